import Foundation
import KensakuAnalysis

/// N-gram counts: for every n-gram of up to ``maxUnits`` UTF-16 units (whole characters of one
/// run, as ``Analyzer/gramTokens(_:)`` makes runs) that at least ``NgramSettings/minDocs``
/// docs of a field hold, how often each of those docs holds it, and how many of those
/// occurrences are word-aligned (``WordBoundaries``). In an index built with them
/// (``IndexBuildOptions/ngrams``, `kensaku index build --ngrams`; recorded as
/// ``Manifest/ngrams``), a term that is one such n-gram is answered from one list of docs
/// (kind ``TermKind/ngramCount``), with no position read: each posting holds the doc's
/// occurrences and word-aligned occurrences, packed in one number (``NgramCount``).
///
/// Through the positional grams, a frequent term costs the most: "政令で定める" lines up about
/// 200,000 trigram positions in 2,876 law docs to count them exactly. Its n-gram counts are
/// those 2,876 docs, their counts already added up. A term that is not in the dictionary as an
/// n-gram is in fewer than `minDocs` docs of the field (or is longer, or holds a clause end):
/// it is matched through the positional grams, as in any index.
///
/// Each posting stores its packed counts where a positional posting stores its first position,
/// with a term frequency of 1 (so the lists have no position stream: see `Index/FORMAT.md`).
///
/// A gram of two characters or more holding a clause end (``Trigrams/excludes(_:)``) is not
/// counted: a large value is analyzed in pieces cut after those characters, and no counted
/// n-gram runs across a clean cut. An index with forced cuts is not matched by n-grams.
public enum Ngrams {
    /// The longest n-gram counted, in UTF-16 units (twelve pack into three 64-bit words):
    /// long enough for most phrases that users quote ("この法律の施行の日", 9).
    public static let maxUnits = 12
    /// Docs of a field, by default, from which an n-gram is counted.
    public static let defaultMinDocs = 64
    /// Fields whose texts average at most this many grams have every n-gram counted
    /// (``NgramSettings/completeFields``): laws2013's titles (48 on average) hold 800,000
    /// distinct n-grams in 3.0 million postings, about 15 MB, and a term that is in no title
    /// then costs one dictionary lookup there instead of opening its grams' postings.
    public static let completeAverageLength = 64.0
    /// How the counts are laid out (``NgramSettings/layout``). 1 (builds before it was
    /// recorded): occurrences in kind 5, word-aligned occurrences in a second list of kind 6;
    /// 2: both in one number of kind 5 (``NgramCount``), kind 6 only for the aligned counts
    /// of counts too large to pack. A reader uses the counts of its own layout only.
    public static let layout = 2

    /// Whether the normalized text `units`, one run of grams (no space), is a text the index
    /// counts when frequent: at most `maxUnits` units, and no clause end unless it is one
    /// character.
    public static func isCounted(_ units: UnsafeBufferPointer<UInt16>, maxUnits: Int) -> Bool {
        guard !units.isEmpty, units.count <= maxUnits else { return false }
        return units.count <= Analyzer.charLength(units, 0) || !units.contains(where: { Trigrams.excludes($0) })
    }
}

/// A doc's occurrences of an n-gram (`count`, 1 or more) and how many of them are word-aligned
/// (`aligned`, 0 … `count`), in the one number that its count posting holds where a
/// position would be (``Ngrams/layout`` 2):
///
///     count ≤ 65,534:  (count − 1)(count + 2) / 2 + aligned     (below 2³¹)
///     count > 65,534:  2³¹ + count, its aligned count in the doc's posting of kind 6
///
/// The first form numbers the pairs in order of count, then aligned count: (1, 0) 0, (1, 1) 1,
/// (2, 0) 2, (2, 1) 3, (2, 2) 4, (3, 0) 5, … so the usual small counts stay small numbers,
/// and one list holds what two did. A count of over 65,534 in one doc (a single character in
/// a very large law) would not fit below 2³¹ so: it escapes to the second form.
public enum NgramCount {
    /// The largest count packed with its aligned count: (c² + 3c − 2) / 2, its largest
    /// number, is below 2³¹ up to c = 65,534.
    public static let packedLimit: UInt32 = 65_534
    /// Values from here on are escaped counts.
    public static let escape: UInt32 = 1 << 31

    /// The number for `count` occurrences of which `aligned` are word-aligned
    /// (`1 ≤ count < 2³¹`, `aligned ≤ count`), and whether the aligned count must go in a
    /// posting of its own (escaped).
    @inlinable
    public static func pack(count: UInt32, aligned: UInt32) -> (value: UInt32, escaped: Bool) {
        guard count <= packedLimit else { return (escape | count, true) }
        return (offset(count) + aligned, false)
    }

    /// The first number of `count` (`1 … packedLimit + 1`): (count − 1)(count + 2) / 2.
    @inlinable @inline(__always)
    static func offset(_ count: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: (UInt64(count) - 1) * (UInt64(count) + 2) / 2)
    }

    /// Unpacks `values` in place into counts, and their aligned counts into `aligned` (at least
    /// as long); an escaped count becomes its count, with 0 aligned (the caller reads its
    /// aligned count from kind 6). Returns whether any was escaped, and whether any escaped count is
    /// one that packs (corrupt).
    /// - Complexity: O(n): a table lookup a number for counts up to 64 (nearly all), else
    ///   ``unpack(_:)``.
    public static func unpack(_ values: UnsafeMutableBufferPointer<UInt32>,
                              aligned: UnsafeMutableBufferPointer<UInt32>) -> (escaped: Bool, bad: Bool) {
        precondition(aligned.count >= values.count)
        var escaped = false, bad = false
        smallPairs.withUnsafeBufferPointer { table in
            for i in values.indices {
                let value = values[i]
                if value < UInt32(table.count) {
                    let pair = table[Int(value)]
                    values[i] = UInt32(pair >> 8)
                    aligned[i] = UInt32(pair & 0xFF)
                } else if value < escape {
                    (values[i], aligned[i]) = unpack(value)
                } else {
                    values[i] = value & ~escape
                    aligned[i] = 0
                    escaped = true
                    bad = bad || values[i] <= packedLimit
                }
            }
        }
        return (escaped, bad)
    }

    /// Every pair with a count up to 64, by its number, as count << 8 | aligned (4 KB).
    private static let smallPairs: [UInt16] = (UInt32(1)...64).flatMap { c in (0...c).map { a in UInt16(c << 8 | a) } }

    /// The count and aligned count of a packed number below ``escape``.
    /// - Complexity: O(1): a square root, then at most a step each way.
    @inlinable
    public static func unpack(_ value: UInt32) -> (count: UInt32, aligned: UInt32) {
        if value < 2 { return (1, value) }
        // offset(c) ≤ value < offset(c + 1): c = ⌊(√(8·value + 9) − 1) / 2⌋, give or take the
        // square root's rounding.
        var c = UInt32((Double(8 * UInt64(value) + 9).squareRoot() - 1) / 2)
        while offset(c + 1) <= value { c += 1 }
        while offset(c) > value { c -= 1 }
        return (c, value - offset(c))
    }
}

/// What an n-gram index counted: recorded in the manifest.
public struct NgramSettings: Codable, Sendable, Equatable {
    /// The longest n-gram, in UTF-16 units.
    public var maxUnits: Int
    /// An n-gram is counted in a field when at least this many docs of the field hold it.
    public var minDocs: Int
    /// Fields of short texts (titles, names: an average length of at most
    /// ``Ngrams/completeAverageLength`` grams) in which every n-gram is counted, however few
    /// docs hold it: there a text that is not in the dictionary is in no doc, and a term's
    /// matches are known without a look at its grams. Set by the build; nil: none.
    public var completeFields: [Int]?
    /// How the counts are laid out (``Ngrams/layout``); nil: layout 1, written before it was
    /// recorded. Set by the build.
    public var layout: Int?

    public init(maxUnits: Int = Ngrams.maxUnits, minDocs: Int = Ngrams.defaultMinDocs, completeFields: [Int]? = nil,
                layout: Int? = nil) {
        self.maxUnits = maxUnits
        self.minDocs = minDocs
        self.completeFields = completeFields
        self.layout = layout
    }

    /// Whether this reader can use the counts: they are in its layout.
    public var isCurrentLayout: Bool { (layout ?? 1) == Ngrams.layout }

    /// Whether `field`'s every n-gram is counted.
    public func isComplete(_ field: Int) -> Bool { completeFields?.contains(field) == true }

    /// The docs from which an n-gram of `field` is counted.
    func minDocs(field: Int) -> Int { isComplete(field) ? 1 : minDocs }
}

/// Finds the frequent n-grams of each field's texts, level by level (an n-gram in at least
/// `minDocs` docs has both its (n − 1)-grams in at least as many: only n-grams whose two are
/// frequent are counted at level n), and writes their count postings to segments, which the
/// build merges with the others.
///
/// Each level reads the texts twice: once to count each candidate's docs, once to mark the
/// frequent ones' starts (a bitmap over the field's text, which the next level reads) and to
/// add each doc's counts to a segment. Both passes run on `threads` threads, each over its
/// own part of the docs: counting into a table of its own (the tables are then added up),
/// marking into its own words of the bitmap (each text starts at a multiple of 64), adding
/// to its own segments.
/// - Complexity: O(levels · text length) time; memory: two bitmaps of the field's text
///   length and the tables of one level's candidates.
struct NgramMiner {
    /// One doc's text in one field (its positions are the field's).
    struct Text: @unchecked Sendable {
        var doc: UInt32
        var units: UnsafeBufferPointer<UInt16>
        var bounds: WordBoundaries
        /// The text holds a high surrogate (characters are not all one unit long).
        var surrogates: Bool

        init(doc: UInt32, units: UnsafeBufferPointer<UInt16>, bounds: WordBoundaries) {
            self.doc = doc
            self.units = units
            self.bounds = bounds
            surrogates = units.contains { (0xD800...0xDBFF).contains($0) }
        }
    }

    let settings: NgramSettings
    let temporary: String
    /// Postings memory of a thread's segment before it is flushed.
    let budget: Int
    let threads: Int
    private(set) var segmentPaths: [String] = []
    private(set) var counted = 0
    /// Called with the field and the level (n-gram length) before each level is counted.
    var progress: ((_ field: Int, _ level: Int) -> Void)?

    init(settings: NgramSettings, temporary: String, budget: Int, threads: Int) {
        self.settings = settings
        self.temporary = temporary
        self.budget = budget
        self.threads = max(1, min(threads, 2))
    }

    /// Counts the n-grams of one field's `texts` (increasing by doc).
    mutating func mine(field: Int, texts: [Text]) throws(IndexError) {
        var bases: [Int] = []
        bases.reserveCapacity(texts.count)
        var total = 0
        for text in texts {
            bases.append(total)
            total += (text.units.count + 63) & ~63
        }
        // The threads' parts: about as many units each.
        var cuts = [0]
        if threads > 1 {
            var half = 0
            while half < texts.count && bases[half] < total / 2 { half += 1 }
            cuts.append(half)
        }
        cuts.append(texts.count)
        let parts = (0..<(cuts.count - 1)).map { p in
            MinerPart(field: field, texts: texts, bases: bases, range: cuts[p]..<cuts[p + 1], settings: settings,
                      path: temporary + "/ngrams-\(field)-\(p)", budget: budget)
        }
        var previous = Bitmap(count: total)
        var current = Bitmap(count: total)
        for n in 1...settings.maxUnits {
            progress?(field, n)
            let below = previous
            Self.run(parts) { $0.count(n: n, previous: below) }
            var table = parts[0].table
            for part in parts.dropFirst() { table.add(part.table) }
            for part in parts { part.table = GramTable(capacity: 16) }
            current.clear()
            let (frequent, marks) = (table, current)
            Self.run(parts) { $0.post(n: n, table: frequent, previous: below, current: marks) }
            if let failure = parts.compactMap(\.failure).first { throw failure }
            let found = table.frequentCount(minDocs: settings.minDocs(field: field))
            counted += found
            guard found > 0 else { break }
            swap(&previous, &current)
        }
        for part in parts {
            try part.flush()
            segmentPaths += part.segmentPaths
        }
    }

    /// Runs `body` on each part, the first on this thread and the others on threads of their own.
    private static func run(_ parts: [MinerPart], _ body: @escaping @Sendable (MinerPart) -> Void) {
        if parts.count == 1 {
            body(parts[0])
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts.count) { body(parts[$0]) }
    }
}

/// One thread's part of a field's docs in ``NgramMiner``, and its state.
final class MinerPart: @unchecked Sendable {
    let field: Int
    let texts: [NgramMiner.Text]
    let bases: [Int]
    let range: Range<Int>
    let settings: NgramSettings
    let path: String
    let budget: Int
    var table = GramTable()
    private var segment = InMemorySegment()
    private(set) var segmentPaths: [String] = []
    private(set) var failure: IndexError?

    init(field: Int, texts: [NgramMiner.Text], bases: [Int], range: Range<Int>, settings: NgramSettings, path: String, budget: Int) {
        self.field = field
        self.texts = texts
        self.bases = bases
        self.range = range
        self.settings = settings
        self.path = path
        self.budget = budget
    }

    /// Counts the docs of each candidate of level `n` in this part's texts, into `table`.
    func count(n: Int, previous: Bitmap) {
        var table = GramTable()
        for t in range {
            let text = texts[t]
            Self.forEachCandidate(n: n, text: text, base: bases[t], maxUnits: settings.maxUnits, previous: previous) { start, end in
                table.countDoc(text.units, start, end, doc: text.doc)
            }
        }
        self.table = table
    }

    /// Adds the counts of the frequent n-grams of level `n` (those of `table` in at least
    /// `minDocs` docs) in this part's texts to its segment, and marks where they start in `current`.
    func post(n: Int, table: GramTable, previous: Bitmap, current: Bitmap) {
        guard failure == nil else { return }
        let countPrefix = InMemorySegment.prefix(field: field, kind: .ngramCount)
        let alignedPrefix = InMemorySegment.prefix(field: field, kind: .ngramAligned)
        let minDocs = UInt32(clamping: settings.minDocs(field: field))
        var tf = [UInt32](repeating: 0, count: table.capacity)
        var aligned = [UInt32](repeating: 0, count: table.capacity)
        var first = [Int32](repeating: 0, count: table.capacity)
        // Each slot's terms in the segment (count, aligned), once made; -1: not yet.
        var terms = [Int32](repeating: -1, count: 2 * table.capacity)
        var touched: [Int] = []
        do {
            for t in range {
                let text = texts[t]
                let base = bases[t]
                Self.forEachCandidate(n: n, text: text, base: base, maxUnits: settings.maxUnits, previous: previous) { start, end in
                    guard let slot = table.find(text.units, start, end), table.docs(slot) >= minDocs else {
                        return
                    }
                    current.set(base + start)
                    if tf[slot] == 0 {
                        touched.append(slot)
                        first[slot] = Int32(start)
                    }
                    tf[slot] += 1
                    if text.bounds.contains(UInt32(start)) && text.bounds.contains(UInt32(end)) { aligned[slot] += 1 }
                }
                guard !touched.isEmpty else { continue }
                for slot in touched {
                    let start = Int(first[slot])
                    let gram = UnsafeBufferPointer(rebasing: text.units[start..<(start + table.length(slot))])
                    if terms[2 * slot] < 0 { terms[2 * slot] = segment.newTerm(prefix: countPrefix, gram) }
                    let (value, escaped) = NgramCount.pack(count: tf[slot], aligned: aligned[slot])
                    segment.add(term: terms[2 * slot], position: value)
                    if escaped && aligned[slot] > 0 {
                        if terms[2 * slot + 1] < 0 { terms[2 * slot + 1] = segment.newTerm(prefix: alignedPrefix, gram) }
                        segment.add(term: terms[2 * slot + 1], position: aligned[slot])
                    }
                    tf[slot] = 0
                    aligned[slot] = 0
                }
                touched.removeAll(keepingCapacity: true)
                segment.endDocument(text.doc)
                if segment.memoryBytes >= budget {
                    try flush()
                    terms.withUnsafeMutableBufferPointer { $0.update(repeating: -1) }
                }
            }
            // Each level starts from the part's first doc again: a segment of its own.
            try flush()
        } catch {
            failure = error
        }
    }

    /// Writes the segment (if it holds anything) and starts a new one.
    func flush() throws(IndexError) {
        let file = path + "-\(segmentPaths.count)"
        if try segment.flush(to: file) { segmentPaths.append(file) }
    }

    /// Calls `body(start, end)` for each candidate of level `n` in one text: the n-grams of
    /// `n` characters (at most `maxUnits` units) whose two (n − 1)-grams start where
    /// `previous` is set (level 1: every character; level 2: the bigrams without a clause end
    /// whose two characters are frequent).
    @inline(__always)
    static func forEachCandidate(n: Int, text: NgramMiner.Text, base: Int, maxUnits: Int, previous: Bitmap,
                                 _ body: (_ start: Int, _ end: Int) -> Void) {
        let units = text.units
        guard text.surrogates else {
            // Every character one unit: the runs' n-unit windows, without making gram tokens.
            guard n <= maxUnits else { return }
            var i = 0
            let count = units.count
            while i < count {
                while i < count && CharacterClass.isSpace(units[i]) { i += 1 }
                let runStart = i
                while i < count && !CharacterClass.isSpace(units[i]) { i += 1 }
                guard i - runStart >= n else { continue }
                if n == 1 {
                    for start in runStart..<i { body(start, start + 1) }
                    continue
                }
                for start in runStart...(i - n) {
                    guard previous.contains(base + start), previous.contains(base + start + 1) else { continue }
                    if n == 2 && (Trigrams.excludes(units[start]) || Trigrams.excludes(units[start + 1])) { continue }
                    body(start, start + n)
                }
            }
            return
        }
        forEachCandidate(n: n, grams: Analyzer.gramTokens(units), units: units, base: base, maxUnits: maxUnits, previous: previous, body)
    }

    /// ``forEachCandidate(n:text:base:maxUnits:previous:_:)`` through the text's gram tokens.
    static func forEachCandidate(n: Int, grams: [TokenSpan], units: UnsafeBufferPointer<UInt16>, base: Int, maxUnits: Int,
                                 previous: Bitmap, _ body: (_ start: Int, _ end: Int) -> Void) {
        if n == 1 {
            for gram in grams {
                let start = Int(gram.start)
                body(start, start + Analyzer.charLength(units, start))
            }
            return
        }
        guard grams.count >= n else { return }
        for j in 0...(grams.count - n) {
            let start = Int(grams[j].start)
            let next = Int(grams[j + 1].start)
            // The next character is in the run (gram j is a bigram), and both (n − 1)-grams are frequent.
            guard Int(grams[j].end) > next, previous.contains(base + start), previous.contains(base + next) else { continue }
            let lastStart = Int(grams[j + n - 1].start)
            let end = lastStart + Analyzer.charLength(units, lastStart)
            guard end - start <= maxUnits else { continue }
            if n == 2 && (Trigrams.excludes(units[start]) || Trigrams.excludes(units[next])) { continue }
            body(start, end)
        }
    }
}

/// A bitmap over a field's text positions, shared by the threads of ``NgramMiner``, each of
/// which sets bits in words of its own only.
final class Bitmap: @unchecked Sendable {
    private let words: UnsafeMutableBufferPointer<UInt64>

    init(count: Int) {
        words = .allocate(capacity: max(1, (count + 63) / 64))
        words.initialize(repeating: 0)
    }

    deinit { words.deallocate() }

    @inline(__always) func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
    @inline(__always) func set(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    func clear() { words.update(repeating: 0) }
}

/// An open-addressing table of n-grams of up to twelve UTF-16 units, each with the number of
/// docs that hold it: one 32-byte entry a slot (the gram packed into three words, its doc
/// count and length in a fourth, the last doc counted), so that a probe reads one cache line.
struct GramTable: Sendable {
    struct Entry {
        var key: (UInt64, UInt64, UInt64) = (0, 0, 0)
        /// docs << 4 | units; 0: an empty slot.
        var meta: UInt32 = 0
        /// The last doc counted, plus one.
        var lastDoc: UInt32 = 0
    }

    private(set) var entries: [Entry]
    private var mask: Int
    private(set) var count = 0

    var capacity: Int { mask + 1 }

    init(capacity: Int = 1 << 16) {
        entries = [Entry](repeating: Entry(), count: capacity)
        mask = capacity - 1
    }

    /// Docs that hold the slot's gram.
    @inline(__always) func docs(_ slot: Int) -> UInt32 { entries[slot].meta >> 4 }
    /// Units in the slot's gram.
    @inline(__always) func length(_ slot: Int) -> Int { Int(entries[slot].meta & 15) }

    /// The key of `units[start..<end]` (1 to 12 units): three unaligned loads where the buffer
    /// reaches 12 units past `start`, each masked to the gram's units.
    @inline(__always)
    static func pack(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int) -> (UInt64, UInt64, UInt64) {
        guard start + 12 <= units.count else { return pack(UnsafeBufferPointer(rebasing: units[start..<end])) }
        let raw = UnsafeRawPointer(units.baseAddress! + start)
        let n = end - start
        @inline(__always) func mask(_ k: Int) -> UInt64 {
            let left = n - 4 * k
            return left >= 4 ? ~0 : left <= 0 ? 0 : (1 << UInt64(16 * left)) - 1
        }
        return (raw.loadUnaligned(as: UInt64.self) & mask(0),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) & mask(1),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self) & mask(2))
    }

    @inline(__always)
    static func pack(_ units: UnsafeBufferPointer<UInt16>) -> (UInt64, UInt64, UInt64) {
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        for (i, u) in units.enumerated() {
            let bits = UInt64(u) << UInt64(16 * (i & 3))
            switch i >> 2 {
            case 0: words.0 |= bits
            case 1: words.1 |= bits
            default: words.2 |= bits
            }
        }
        return words
    }

    @inline(__always)
    private func home(_ key: (UInt64, UInt64, UInt64), _ length: Int) -> Int {
        var h = key.0 &* 0x9E37_79B9_7F4A_7C15 ^ (key.1 &+ UInt64(length)) &* 0xC2B2_AE3D_27D4_EB4F ^ key.2 &* 0x1656_67B1_9E37_79F9
        h ^= h >> 29
        return Int(truncatingIfNeeded: h) & mask
    }

    /// The slot of `key` (a gram of `length` units), or where it would go: an empty slot.
    @inline(__always)
    private func probe(_ key: (UInt64, UInt64, UInt64), _ length: Int) -> Int {
        entries.withUnsafeBufferPointer { e in
            var slot = home(key, length)
            while true {
                let entry = e[slot]
                if entry.meta == 0 || (entry.key == key && Int(entry.meta & 15) == length) { return slot }
                slot = (slot &+ 1) & mask
            }
        }
    }

    /// The slot of `units[start..<end]` (1 to 12 units), or nil when the table does not hold it.
    @inline(__always)
    func find(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int) -> Int? {
        let slot = probe(Self.pack(units, start, end), end - start)
        return entries[slot].meta == 0 ? nil : slot
    }

    /// Counts `doc` for the gram `units[start..<end]`, added if new, once however often it is
    /// called for that doc (docs come in increasing order).
    @inline(__always)
    mutating func countDoc(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int, doc: UInt32) {
        if 2 * (count + 1) > capacity { grow() }
        let key = Self.pack(units, start, end)
        let slot = probe(key, end - start)
        entries.withUnsafeMutableBufferPointer { e in
            if e[slot].meta == 0 {
                e[slot].key = key
                e[slot].meta = UInt32(end - start)
                count += 1
            }
            if e[slot].lastDoc != doc &+ 1 {
                e[slot].lastDoc = doc &+ 1
                e[slot].meta &+= 16
            }
        }
    }

    /// Adds `other`'s doc counts (of other docs) to this table's.
    mutating func add(_ other: GramTable) {
        for entry in other.entries where entry.meta != 0 {
            if 2 * (count + 1) > capacity { grow() }
            let slot = probe(entry.key, Int(entry.meta & 15))
            if entries[slot].meta == 0 {
                entries[slot].key = entry.key
                entries[slot].meta = entry.meta & 15
                count += 1
            }
            entries[slot].meta &+= entry.meta & ~15
        }
    }

    func frequentCount(minDocs: Int) -> Int { entries.reduce(0) { $0 + ($1.meta != 0 && Int($1.meta >> 4) >= minDocs ? 1 : 0) } }

    private mutating func grow() {
        let old = self
        self = GramTable(capacity: 2 * capacity)
        for entry in old.entries where entry.meta != 0 {
            let slot = probe(entry.key, Int(entry.meta & 15))
            entries[slot] = entry
        }
        count = old.count
    }
}
