#if os(Linux)
import Glibc
import Synchronization

/// The threads behind `parallelFor` on Linux: workers that wait for work, so a fork-join costs about
/// a microsecond instead of the tens of microseconds Dispatch takes to wake a thread. That matters for
/// the 28 × 28 models, whose layers are a few hundred microseconds each.
///
/// One job at a time: the caller publishes it as a *ticket* (job number, chunk count, chunks claimed so
/// far, all in one atomic word), then takes chunks itself like every worker, and returns when the last
/// chunk has finished. A chunk is claimed by compare-and-swap on the ticket, so it runs exactly once,
/// and a worker that arrives late (the job done, or a newer one published) can never claim a stale
/// chunk. The caller never waits for a sleeping worker to wake: if none comes, it runs every chunk
/// itself. Workers spin about `spinMicroseconds` for the next job, then sleep on a condition variable.
///
/// Chunks are the same whoever runs them, so results do not depend on the pool. When the pool is taken
/// (another thread's job, or a `parallelFor` nested in a chunk), `run` returns false and the caller
/// uses Dispatch instead.
final class ForkJoinPool: @unchecked Sendable {
    static let shared = ForkJoinPool()

    /// How long an idle worker keeps checking for a job before it sleeps.
    static let spinMicroseconds = 100

    // The ticket: job number << 32 | chunk count << 16 | chunks claimed.
    private let ticket = Atomic<Int>(0)
    /// Chunks of the current job not yet finished.
    private let unfinished = Atomic<Int>(0)
    /// Workers inside (or about to enter) `pthread_cond_wait`.
    private let sleepers = Atomic<Int>(0)
    /// Whether a caller owns the pool.
    private let taken = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    // The current job, written by its caller before it publishes the ticket (release) and read by a
    // participant only after it has claimed a chunk of that ticket (acquire).
    private var body: ((Int) -> Void)?
    private var threadCount: Int?
    private var job = 0
    private var workers = 0

    private init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// Runs `body(0) … body(chunks − 1)` on this thread and the pool's workers, each exactly once, and
    /// returns true when all have finished; returns false at once (running nothing) if the pool is taken.
    /// `threadCount` is bound (as `Parallel.scopedThreadCount`) around each chunk run by a worker.
    func run(chunks: Int, threadCount: Int?, _ body: (Int) -> Void) -> Bool {
        guard chunks > 1 && chunks < 1 << 15,
              taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        defer { taken.store(false, ordering: .releasing) }
        startWorkers(upTo: min(chunks &- 1, 64))
        withoutActuallyEscaping(body) { body in
            self.body = body
            self.threadCount = threadCount
            job = (job &+ 1) & 0x7fff_ffff
            unfinished.store(chunks, ordering: .relaxed)
            ticket.store(job << 32 | chunks << 16, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            _ = takeChunks(bindingThreadCount: false)
            var spins = 0
            while unfinished.load(ordering: .acquiring) > 0 {
                spins &+= 1
                if spins & 1023 == 0 { sched_yield() }
            }
            self.body = nil  // no participant holds it any more: each let go before finishing its chunk
        }
        return true
    }

    /// Claims and runs chunks of the published ticket until none is left; returns the last ticket seen.
    private func takeChunks(bindingThreadCount: Bool) -> Int {
        var current = ticket.load(ordering: .acquiring)
        while true {
            let (count, claimed) = ((current >> 16) & 0x7fff, current & 0xffff)
            guard claimed < count else { return current }
            let attempt = ticket.compareExchange(expected: current, desired: current &+ 1, ordering: .acquiringAndReleasing)
            guard attempt.exchanged else {
                current = attempt.original
                continue
            }
            runChunk(claimed, bindingThreadCount: bindingThreadCount)
            unfinished.subtract(1, ordering: .releasing)
            current = ticket.load(ordering: .acquiring)
        }
    }

    /// One chunk; the job's closure is released when this returns, before the chunk counts as finished.
    @inline(never)
    private func runChunk(_ chunk: Int, bindingThreadCount: Bool) {
        let body = self.body!
        if bindingThreadCount, let threadCount {
            Parallel.$scopedThreadCount.withValue(threadCount) { body(chunk) }
        } else {
            body(chunk)
        }
    }

    /// The loop of one worker thread: take chunks, spin a while for the next ticket, then sleep.
    private func work() {
        var seen = takeChunks(bindingThreadCount: true)
        while true {
            let deadline = Self.now() &+ Self.spinMicroseconds &* 1000
            var spins = 0
            while ticket.load(ordering: .relaxed) == seen {
                spins &+= 1
                if spins & 255 == 0 && Self.now() > deadline {
                    pthread_mutex_lock(mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while ticket.load(ordering: .sequentiallyConsistent) == seen {
                        pthread_cond_wait(condition, mutex)
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(mutex)
                    break
                }
            }
            seen = takeChunks(bindingThreadCount: true)
        }
    }

    /// Starts workers until there are `count` (they live as long as the process).
    private func startWorkers(upTo count: Int) {
        while workers < count {
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { context in
                Unmanaged<ForkJoinPool>.fromOpaque(context!).takeUnretainedValue().work()
                return nil
            }, Unmanaged.passUnretained(self).toOpaque())
            guard started == 0 else { return }  // no more threads: the caller runs the rest itself
            pthread_detach(thread)
            workers &+= 1
        }
    }

    private static func now() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec &* 1_000_000_000 &+ time.tv_nsec
    }
}
#endif
