import CKensakuSync
import Foundation
import Synchronization

/// The second thread of a search: one long-lived thread that runs the second of two jobs
/// while the searching thread runs the first. For a split term (``Searcher``'s
/// `inParallel(tasks:)`) both jobs take the term's tasks in turn (the halves of a split field,
/// the other fields), so a job the helper starts late finds fewer tasks left; below, "half"
/// is such a job.
///
/// `DispatchQueue.concurrentPerform` was used before, but on this machine (a 2-vCPU virtual
/// machine) its worker often did not start within the first half's millisecond: the searching
/// thread then ran both halves, one after the other (第二十五条's halves started at 2 and
/// 909 µs, on one thread, in runs where a second core was idle). Here the helper is woken
/// by a semaphore as soon as a half is posted, and stays awake, polling, for a little while
/// after each half (``spinAfterWork``), since a search that splits one term usually splits
/// the next. A half it has not started by the time the first is done is taken back and run
/// by the searching thread: never slower than running both halves in turn.
///
/// While it polls, the helper yields its core every 64 polls (`sched_yield`): when the
/// scheduler has put both threads on one core, the searching thread runs at once instead of
/// waiting for the helper's polling to end. Without the yield, in some processes every split
/// term took 500 µs more, the whole of `spinAfterWork` (laws2013, n-gram index: ダイオキシン
/// 613–711 µs at the median against 102–179 in the other processes; "損害を賠償する責任" 705–781
/// against 295), and never with `--threads 1`.
///
/// Shared by every searcher in the process; a search that finds it busy with another
/// search's half runs both of its halves itself.
final class HelperThread: @unchecked Sendable {
    static let shared = HelperThread()

    /// How long the helper polls for the next half after finishing one (or after a spurious
    /// wake-up) before it sleeps again.
    static let spinAfterWork: Duration = .microseconds(500)

    private enum State: Int {
        case idle = 0, posted, running, done
    }

    private let state = Atomic<Int>(State.idle.rawValue)
    /// A search holds the helper.
    private let taken = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    /// The posted half: written before `state` becomes `posted` (release), read after the
    /// helper moves it to `running` (acquire), cleared by the poster once it is `done`.
    private nonisolated(unsafe) var job: (() -> Void)?

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "kensaku-search-helper"
        thread.start()
    }

    private func loop() {
        let clock = ContinuousClock()
        while true {
            wake.wait()
            var until = clock.now + Self.spinAfterWork
            var polls = 0
            while true {
                if state.load(ordering: .acquiring) == State.posted.rawValue,
                   state.compareExchange(expected: State.posted.rawValue, desired: State.running.rawValue,
                                         ordering: .acquiringAndReleasing).exchanged {
                    job?()
                    state.store(State.done.rawValue, ordering: .releasing)
                    // Polls on for `spinAfterWork` from now: the next search's half usually
                    // comes within it. (The deadline was once only set on waking, so a helper
                    // busy for longer than that slept right after its half.)
                    until = clock.now + Self.spinAfterWork
                    polls = 0
                    continue
                }
                kk_cpu_relax()
                polls &+= 1
                // (The clock is read every 64 polls: it costs more than a poll.) Every 64
                // polls the helper also yields its core.
                if polls & 63 == 0 {
                    if clock.now > until { break }
                    sched_yield()
                }
            }
        }
    }

    /// Runs `first` on this thread and `second` on the helper if it can, and returns when
    /// both are done.
    func run(_ first: () -> Void, _ second: () -> Void) {
        guard taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            first()
            second()
            return
        }
        defer { taken.store(false, ordering: .releasing) }
        withoutActuallyEscaping(second) { second in
            job = second
            state.store(State.posted.rawValue, ordering: .releasing)
            wake.signal()
            first()
            if state.compareExchange(expected: State.posted.rawValue, desired: State.idle.rawValue,
                                     ordering: .acquiringAndReleasing).exchanged {
                // Not started: run it here.
                second()
            } else {
                while state.load(ordering: .acquiring) != State.done.rawValue { sched_yield() }
                state.store(State.idle.rawValue, ordering: .releasing)
            }
            job = nil
        }
    }
}
