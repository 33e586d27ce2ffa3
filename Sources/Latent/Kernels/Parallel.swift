import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one parallel-for of Latent: every multithreaded kernel goes through `parallelFor`.
///
/// Work is cut into at most `Parallel.threadCount` contiguous chunks of at least `grain` items, run
/// with `DispatchQueue.concurrentPerform`. Small problems (fewer than `2 * grain` items) stay on the
/// calling thread, so a tiny matrix never pays for a thread hop.
public enum Parallel {
    nonisolated(unsafe) private static var configuredThreads: Int = defaultThreadCount()

    /// How many threads kernels may use. Defaults to `LATENT_THREADS` if set, else the core count.
    public static var threadCount: Int {
        get { configuredThreads }
        set { configuredThreads = max(1, newValue) }
    }

    private static func defaultThreadCount() -> Int {
        if let text = getenv("LATENT_THREADS"), let n = Int(String(cString: text)), n > 0 {
            return n
        }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

/// Runs `body` over `0..<count` split into contiguous ranges, in parallel when it pays.
///
/// - Parameters:
///   - count: number of items.
///   - grain: the smallest number of items worth a thread of its own.
///   - body: called once per chunk with the range of items it owns; chunks never overlap.
@inlinable
public func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunks = min(Parallel.threadCount, max(1, count / max(1, grain)))
    if chunks <= 1 {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            shared.value(start..<end)
        }
    }
}

/// Lets a value that is safe by construction (disjoint writes through a pointer, a closure that only
/// touches its own chunk) cross into `concurrentPerform`. The one place Latent opts out of Sendable
/// checking; use it only for data partitioned between chunks.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}
