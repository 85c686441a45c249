/// A memo of ICU word segmentations keyed by clause text.
///
/// Policy and legal text repeats itself: about half of the clause runs in the law corpus
/// (text between 、。 and line breaks) repeat an earlier run exactly. Segmenting each distinct
/// clause once and replaying it is what lets analysis outrun ICU's 10–12 MB/s per core.
/// Clauses are split only where ICU's word-break rules cannot look across (see
/// ``Analyzer``), so a memoized segmentation equals ICU's on the whole text; a test checks it.
///
/// Open addressing over one arena of UTF-16 text and one of packed segments; cleared when
/// it grows past its budget, so memory stays bounded.
struct SegmentMemo {
    private struct Entry {
        var hash: UInt64 = 0
        var textOffset: Int32 = -1
        var textLength: Int32 = 0
        var segmentOffset: Int32 = 0
        var segmentCount: Int32 = 0
    }

    /// Longest clause (UTF-16 units) worth memoizing.
    static let maxClause = 512
    private let budgetUnits: Int
    private var slots: [Entry]
    private var mask: Int
    private var count = 0
    private var text: [UInt16] = []
    /// Word-like segments of memoized clauses, packed `start << 16 | end`.
    private var segments: [UInt32] = []
    /// UTF-16 units of clause text one analyzer's memo holds before it is cleared.
    static let defaultBudgetUnits = 3 << 20

    init(budgetUnits: Int = SegmentMemo.defaultBudgetUnits) {
        self.budgetUnits = budgetUnits
        slots = [Entry](repeating: Entry(), count: 1 << 16)
        mask = (1 << 16) - 1
    }

    @inline(__always)
    static func hash(_ units: UnsafeBufferPointer<UInt16>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for u in units { h = (h ^ UInt64(u)) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }

    /// Appends the segments memoized for `clause`, shifted by `base`, to `out`; false when the
    /// clause is not in the memo.
    mutating func replay(_ clause: UnsafeBufferPointer<UInt16>, hash: UInt64, base: Int32, into out: inout [TokenSpan]) -> Bool {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry.textOffset < 0 { return false }
            if entry.hash == hash && Int(entry.textLength) == clause.count && stores(clause, at: Int(entry.textOffset)) {
                let start = Int(entry.segmentOffset)
                segments.withUnsafeBufferPointer { segments in
                    for s in segments[start..<start + Int(entry.segmentCount)] {
                        out.append(TokenSpan(start: base + Int32(s >> 16), end: base + Int32(s & 0xFFFF)))
                    }
                }
                return true
            }
            slot = (slot + 1) & mask
        }
    }

    /// Whether the text arena holds `clause` at `offset`.
    @inline(__always)
    private func stores(_ clause: UnsafeBufferPointer<UInt16>, at offset: Int) -> Bool {
        text.withUnsafeBufferPointer { stored in
            for i in 0..<clause.count where stored[offset + i] != clause[i] { return false }
            return true
        }
    }

    mutating func insert(_ clause: UnsafeBufferPointer<UInt16>, hash: UInt64, packed: ArraySlice<UInt32>) {
        // A clause repeated within one batch of misses is stored once: duplicates would make
        // every later probe for that hash walk past all of them (quadratic time).
        if isStored(clause, hash: hash) { return }
        if text.count + clause.count > budgetUnits { clear() }
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let entry = Entry(hash: hash, textOffset: Int32(text.count), textLength: Int32(clause.count),
                          segmentOffset: Int32(segments.count), segmentCount: Int32(packed.count))
        text.append(contentsOf: clause)
        segments.append(contentsOf: packed)
        place(entry)
        count += 1
    }

    private func isStored(_ clause: UnsafeBufferPointer<UInt16>, hash: UInt64) -> Bool {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry.textOffset < 0 { return false }
            if entry.hash == hash && Int(entry.textLength) == clause.count {
                let start = Int(entry.textOffset)
                if text.withUnsafeBufferPointer({ stored in (0..<clause.count).allSatisfy { stored[start + $0] == clause[$0] } }) {
                    return true
                }
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func place(_ entry: Entry) {
        var slot = Int(truncatingIfNeeded: entry.hash) & mask
        while slots[slot].textOffset >= 0 { slot = (slot + 1) & mask }
        slots[slot] = entry
    }

    private mutating func grow() {
        let old = slots
        slots = [Entry](repeating: Entry(), count: old.count * 2)
        mask = slots.count - 1
        for entry in old where entry.textOffset >= 0 { place(entry) }
    }

    private mutating func clear() {
        slots = [Entry](repeating: Entry(), count: 1 << 16)
        mask = (1 << 16) - 1
        count = 0
        text.removeAll(keepingCapacity: true)
        segments.removeAll(keepingCapacity: true)
    }
}
