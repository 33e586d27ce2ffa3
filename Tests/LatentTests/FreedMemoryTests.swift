#if canImport(Glibc)
import Glibc
import Testing
import Latent

/// Pages the kernel has mapped in for the calling thread so far (its minor page faults).
private func faultsOfThisThread() -> Int {
    var usage = rusage()
    _ = getrusage(1 /* RUSAGE_THREAD, which Swift's Glibc module does not export */, &usage)
    return usage.ru_minflt
}

@Suite("The memory a step frees serves the next step")
struct FreedMemoryTests {
    /// A training step's allocations in miniature: 8 tensors of 2 MB, each written whole, then all
    /// freed. (16 MB: a thread other than the main one allocates from heaps of at most 64 MB, and one
    /// left wholly free is unmapped whatever the settings; a chapter trains on the main thread.)
    /// Returns the page faults it took.
    private func step() -> Int {
        let before = faultsOfThisThread()
        var tensors: [Tensor] = []
        for i in 0..<8 { tensors.append(Tensor(shape: [1 << 19], repeating: Float(i))) }
        #expect(tensors[7].scalars[12345] == 7)
        tensors.removeAll()
        return faultsOfThisThread() - before
    }

    @Test("after FreedMemory.keep(), allocating and freeing 16 MB of tensors again faults no page in")
    func laterStepsFaultNothing() {
        #expect(FreedMemory.keep())
        _ = step()  // the first step grows the heap
        let pages = 8 * (2 << 20) / 4096  // 16 MB in 4 KB pages: what a step faults in when nothing is kept
        for round in 1...3 {
            let faults = step()
            #expect(faults < pages / 100, "step \(round + 1) took \(faults) page faults (\(pages) pages allocated)")
        }
    }
}
#endif
