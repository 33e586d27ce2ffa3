#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Latent

/// How many chunks `parallelFor` cut `count` items into, and the thread count each chunk saw.
private func chunking(_ count: Int = 1000) -> (chunks: Int, countsSeen: Set<Int>) {
    let starts = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
    starts.initialize(repeating: 0)
    defer { starts.deallocate() }
    let shared = UncheckedSendable(starts)
    parallelFor(count) { range in
        // Each chunk writes only its own first slot: 1 + the count it sees. The pause makes sure the
        // pool's worker threads take chunks too (not only the calling thread).
        usleep(500)
        shared.value[range.lowerBound] = 1 + Parallel.threadCount
    }
    let marks = starts.filter { $0 != 0 }
    return (marks.count, Set(marks.map { $0 - 1 }))
}

@Suite("Thread count is scoped to the work")
struct ParallelTests {
    @Test("two concurrent tasks with different thread counts each observe their own, in kernels too")
    func concurrentTasksAreIsolated() async {
        // Each task binds its count and, interleaved with the other (yielding every round), reads it and
        // lets parallelFor cut 1000 items: the chunk count is its own, and so is the count inside chunks.
        let observations = await withTaskGroup(of: (Int, [Int], [Int], Set<Int>).self) { group in
            for threads in [1, 3] {
                group.addTask {
                    await Parallel.withThreadCount(threads) {
                        var read: [Int] = [], chunks: [Int] = [], inside = Set<Int>()
                        for _ in 0..<50 {
                            read.append(Parallel.threadCount)
                            let (n, seen) = chunking()
                            chunks.append(n)
                            inside.formUnion(seen)
                            await Task.yield()
                        }
                        return (threads, read, chunks, inside)
                    }
                }
            }
            var all: [(Int, [Int], [Int], Set<Int>)] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(observations.count == 2)
        for (threads, read, chunks, inside) in observations {
            #expect(Set(read) == [threads], "task bound to \(threads) read \(Set(read))")
            #expect(Set(chunks) == [threads], "task bound to \(threads) cut 1000 items into \(Set(chunks)) chunks")
            #expect(inside == [threads], "task bound to \(threads): chunks saw \(inside)")
        }
    }

    @Test("a scope wins over the process-wide default, nests, and ends with its closure")
    func scopes() {
        let outside = Parallel.threadCount
        #expect(outside == Parallel.defaultCount)
        Parallel.withThreadCount(2) {
            #expect(Parallel.threadCount == 2)
            #expect(chunking().chunks == 2)
            Parallel.withThreadCount(1) {
                #expect(Parallel.threadCount == 1)
                #expect(chunking().chunks == 1)
            }
            #expect(Parallel.threadCount == 2)
        }
        #expect(Parallel.withThreadCount(0) { Parallel.threadCount } == 1, "at least one thread")
        #expect(Parallel.threadCount == outside)
    }
}

@Suite("parallelFor's threads", .serialized)
struct ForkJoinTests {
    /// Runs `rounds` parallelFors over `count` items, each item adding its round's mark to its own slot:
    /// afterwards every slot must hold the sum of all marks, i.e. every item ran exactly once per round.
    static func everyItemOnce(count: Int, rounds: Int, grain: Int = 1, work: Int = 0) -> Int {
        let slots = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
        slots.initialize(repeating: 0)
        defer { slots.deallocate() }
        let shared = UncheckedSendable(slots)
        for round in 1...rounds {
            parallelFor(count, grain: grain) { range in
                for i in range {
                    var spin = 0
                    for _ in 0..<work { spin &+= 1 }
                    shared.value[i] &+= round &+ spin &- work
                }
            }
        }
        let expected = rounds * (rounds + 1) / 2
        return slots.filter { $0 != expected }.count
    }

    @Test("every item runs exactly once, over thousands of back-to-back forks", arguments: [2, 3, 5])
    func exactlyOnce(threads: Int) {
        Parallel.withThreadCount(threads) {
            #expect(Self.everyItemOnce(count: 7, rounds: 20_000) == 0)
            #expect(Self.everyItemOnce(count: 1000, rounds: 2000, work: 50) == 0)
        }
    }

    @Test("workers that fell asleep wake for the next fork")
    func afterSleep() {
        Parallel.withThreadCount(2) {
            for _ in 0..<20 {
                #expect(Self.everyItemOnce(count: 64, rounds: 3) == 0)
                usleep(2000)  // longer than a worker spins: the next fork finds them asleep
            }
        }
    }

    @Test("forks from concurrent tasks and forks nested in chunks all complete, each item once")
    func concurrentAndNested() async {
        let wrong = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask { Parallel.withThreadCount(2) { Self.everyItemOnce(count: 50, rounds: 3000) } }
            }
            var total = 0
            for await count in group { total += count }
            return total
        }
        #expect(wrong == 0)
        let slots = UnsafeMutableBufferPointer<Int>.allocate(capacity: 40 * 40)
        slots.initialize(repeating: 0)
        defer { slots.deallocate() }
        let shared = UncheckedSendable(slots)
        Parallel.withThreadCount(2) {
            parallelFor(40) { outer in
                for i in outer {
                    parallelFor(40) { inner in
                        for j in inner { shared.value[i * 40 + j] += 1 }
                    }
                }
            }
        }
        #expect(slots.allSatisfy { $0 == 1 })
    }
}
