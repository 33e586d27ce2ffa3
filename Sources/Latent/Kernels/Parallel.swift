import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one parallel-for of Latent: every multithreaded kernel goes through `parallelFor`.
///
/// Work is cut into at most `Parallel.threadCount` contiguous chunks of at least `grain` items, run
/// by the calling thread and the `ForkJoinPool`'s waiting workers (on Linux; elsewhere, and whenever
/// the pool is taken, with `DispatchQueue.concurrentPerform`). Small problems (fewer than
/// `2 * grain` items) stay on the calling thread, so a tiny matrix never pays for a thread hop. Which
/// thread runs a chunk never changes the chunks themselves, so results do not depend on it.
///
/// The thread count is a property of the work, not of the process: `Parallel.withThreadCount(n) { … }`
/// binds it for everything the closure runs (a task-local value, so concurrent tasks — e.g. tests running
/// in parallel — each see their own). Outside any such scope kernels use the process-wide default, which
/// `LATENT_THREADS` sets at launch and `Parallel.threadCount = n` changes (the chapters' `--threads`).
public enum Parallel {
    nonisolated(unsafe) private static var configuredThreads: Int = defaultThreadCount()

    /// The count bound by `withThreadCount` for the current task (or thread), if any.
    @TaskLocal public static var scopedThreadCount: Int?

    /// How many threads kernels may use here: the count bound by the innermost `withThreadCount`, else
    /// the process-wide default (`LATENT_THREADS` if set, else the core count).
    ///
    /// Setting it changes the process-wide default (not a count bound by `withThreadCount`, which wins
    /// inside its scope): set it once at launch, and use `withThreadCount` for a scoped or concurrent count.
    public static var threadCount: Int {
        get { scopedThreadCount ?? configuredThreads }
        set { configuredThreads = max(1, newValue) }
    }

    /// The process-wide default, whatever a `withThreadCount` scope says.
    public static var defaultCount: Int { configuredThreads }

    /// Runs `body` with kernels limited to `threads` threads (at least 1), for this task and the work it
    /// starts; other tasks and threads are unaffected.
    public static func withThreadCount<Result>(_ threads: Int, _ body: () throws -> Result) rethrows -> Result {
        try $scopedThreadCount.withValue(max(1, threads)) { try body() }
    }

    /// Runs the async `body` with kernels limited to `threads` threads (at least 1), for this task and
    /// its child tasks.
    public static func withThreadCount<Result>(
        _ threads: Int, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Result
    ) async rethrows -> Result {
        try await $scopedThreadCount.withValue(max(1, threads), operation: body, isolation: isolation)
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
    // One task-local read per call (not per item); no task-local work at all per chunk unless a
    // `withThreadCount` scope is active.
    let scoped = Parallel.scopedThreadCount
    let chunks = min(scoped ?? Parallel.defaultCount, max(1, count / max(1, grain)))
    if chunks <= 1 {
        body(0..<count)
        return
    }
    runChunks(count: count, chunks: chunks, threadCount: scoped, body)
}

/// The parallel part of `parallelFor`: `chunks` (≥ 2) contiguous slices of `0..<count`, each passed to
/// `body` once, on the pool (Linux) or with Dispatch.
@usableFromInline
func runChunks(count: Int, chunks: Int, threadCount scoped: Int?, _ body: (Range<Int>) -> Void) {
    /// The items of chunk `chunk`: the same cut whoever runs it.
    @Sendable func items(_ chunk: Int) -> Range<Int> { count * chunk / chunks..<count * (chunk + 1) / chunks }
    #if os(Linux)
    if ForkJoinPool.shared.run(chunks: chunks, threadCount: scoped, { chunk in body(items(chunk)) }) {
        return
    }
    #endif
    // The worker threads are not the caller's task: bind the caller's count there too, so a kernel
    // nested in a chunk sees the same count rather than the process-wide default.
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            if let scoped {
                Parallel.$scopedThreadCount.withValue(scoped) { shared.value(items(chunk)) }
            } else {
                shared.value(items(chunk))
            }
        }
    }
}

/// Lets a value that is safe by construction (disjoint writes through a pointer, a closure that only
/// touches its own chunk) cross into another thread's chunk. The one place Latent opts out of Sendable
/// checking; use it only for data partitioned between chunks.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}
