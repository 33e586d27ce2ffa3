#if canImport(Glibc)
import Glibc
#endif

/// Keeping the memory a training step frees for the next step, instead of giving it back to the kernel.
///
/// Every step allocates the same activations and gradients (a tensor's storage is a Swift array, that
/// is `malloc`) and frees them at its end. By default glibc's `malloc` hands a large freed block back to
/// the kernel: a block over its mapping threshold (128 KB at first, rising to the largest block freed,
/// at most 32 MB) has its own mapping, unmapped on `free`, and free space of more than twice that
/// threshold at the top of the heap is cut off. The next step's allocation then faults every page back
/// in, and the kernel zeroes each one first: 1,400 to 2,800 page faults per step of chapter 3's CelebA
/// VAE (`latent-bench model celeba-vae`, batch 32, on two threads and one), 25 to 100 with the setting.
///
/// `keep()` sets both thresholds once: blocks up to 32 MB come from the heap, and up to 1 GB
/// of free space stays there. A training run's memory then stays at its largest step (which it reaches
/// anyway), and steps after the first fault almost no page in. Results are the same bits either way.
/// (A thread other than the main one allocates from heaps of at most 64 MB, and glibc still unmaps
/// such a heap when it is left wholly free; the chapters and the bench train on the main thread.)
public enum FreedMemory {
    /// glibc's `mallopt` parameters (`<malloc.h>`, which Swift's Glibc module does not include).
    private static let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3

    /// The largest block served from the heap (glibc's own limit for this setting on 64-bit systems).
    public static let largestHeapBlock = 32 << 20
    /// The free space the heap keeps at its top before it gives the rest back.
    public static let keptAtTop = 1 << 30

    /// Sets glibc's thresholds as described above, for the whole process; call it once at launch.
    /// Returns false, changing nothing, where `malloc` is not glibc's (macOS, musl).
    @discardableResult
    public static func keep() -> Bool {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        // Looked up at run time, so the call costs nothing where the C library has no `mallopt`.
        guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        return mallopt(mmapThreshold, Int32(largestHeapBlock)) == 1 && mallopt(trimThreshold, Int32(keptAtTop)) == 1
        #else
        return false
        #endif
    }
}
