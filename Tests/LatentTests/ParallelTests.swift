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
