#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Ctrl-C for a training loop: the first one sets a flag the loop checks after each step (to write a
/// checkpoint and stop cleanly); a second one quits at once with status 130.
///
/// ```swift
/// Interrupt.install()
/// for batch in batches {
///     train(batch)
///     if Interrupt.requested { saveCheckpoint(); throw ExitCode(130) }
/// }
/// ```
public enum Interrupt {
    private static let flag = Atomic<Bool>(false)

    /// Whether Ctrl-C was pressed since `install()`.
    public static var requested: Bool { flag.load(ordering: .relaxed) }

    /// Installs the SIGINT handler, and unblocks SIGINT for the calling thread: a process started by
    /// a parent that blocks signals (a test runner, some IDEs) inherits that mask, and a blocked Ctrl-C
    /// would stay pending forever.
    public static func install() {
        signal(SIGINT) { _ in
            if Interrupt.flag.exchange(true, ordering: .relaxed) { _exit(130) }
        }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
