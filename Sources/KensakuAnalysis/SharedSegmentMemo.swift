import CKensakuSync
import Synchronization

/// A segmentation memo that the analyzers of several threads share (one analyzer a thread,
/// each made with `Analyzer(settings:sharedMemo:)`), behind a lock.
///
/// Each thread with a memo of its own sees only the clauses of the text it analyzed, so a
/// clause that both threads meet is segmented twice. On the first 50 MB of laws2013 bodies,
/// two private memos leave about 62% of the text to ICU, one shared memo 55.6% (the
/// Analysis benchmark's ceiling measures ICU alone on that 55.6%). A lookup holds the lock
/// for one probe and the copy of the clause's segments, a few hundred nanoseconds.
///
/// The lock is the standard library's `Mutex`: a pthread mutex (plain, adaptive or spin) and
/// `NSLock` each made two threads slower than two private memos, `Mutex` 6–12% faster. Its
/// atomics are invisible to ThreadSanitizer, so each critical section also tells it of the
/// lock (`kk_tsan_acquire`/`kk_tsan_release`, no-ops in a normal build).
public final class SharedSegmentMemo: Sendable {
    private let memo: Mutex<SegmentMemo>

    /// UTF-16 units of clause text a private memo holds: a memo shared by `n` threads is
    /// given `n` times this.
    public static let budgetUnitsPerThread = SegmentMemo.defaultBudgetUnits

    /// - Parameter budgetUnits: UTF-16 units of clause text held before the memo is cleared
    ///   (the default is two private memos' worth).
    public init(budgetUnits: Int = 2 * SharedSegmentMemo.budgetUnitsPerThread) {
        memo = Mutex(SegmentMemo(budgetUnits: budgetUnits))
    }

    /// The address ThreadSanitizer knows this lock by.
    private var lockAddress: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()) }

    /// See ``SegmentMemo/replay(_:hash:base:into:)``.
    func replay(_ clause: UnsafeBufferPointer<UInt16>, hash: UInt64, base: Int32, into out: inout [TokenSpan]) -> Bool {
        let address = lockAddress
        return memo.withLock { memo in
            kk_tsan_acquire(address)
            defer { kk_tsan_release(address) }
            return memo.replay(clause, hash: hash, base: base, into: &out)
        }
    }

    /// See ``SegmentMemo/insert(_:hash:packed:)``.
    func insert(_ clause: UnsafeBufferPointer<UInt16>, hash: UInt64, packed: ArraySlice<UInt32>) {
        let address = lockAddress
        memo.withLock { memo in
            kk_tsan_acquire(address)
            defer { kk_tsan_release(address) }
            memo.insert(clause, hash: hash, packed: packed)
        }
    }
}
