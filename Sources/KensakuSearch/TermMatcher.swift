import Foundation
import KensakuAnalysis
import KensakuIndex

/// How many postings lists one query may open. Each costs memory and, for one-character
/// pieces (a union of every gram that starts with the character), time on every candidate
/// document: a query past the budget is refused with an error instead of running for minutes.
final class CursorBudget: @unchecked Sendable {
    static let limit = 8_192
    static let message = "the query needs more than \(limit) postings lists; make it narrower"
    /// The two threads of a split term draw on one budget.
    private let lock = NSLock()
    private var used = 0

    func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        used += 1
        return used <= Self.limit
    }
}

/// The dictionary entries under each key prefix a search has read, kept for the rest of that
/// search: a one-character term (or one next to a number) opens every gram that starts with
/// the character, often hundreds, and the second matching pass (``Searcher``'s `refine`)
/// needs the same entries again. Used by ``TermMatcher/plan(_:field:)`` and
/// ``TermMatcher/numberPlan(_:field:)``, which run on the searching thread (only matching is
/// split between threads).
final class PrefixTerms: @unchecked Sendable {
    private var entries: [[UInt8]: [(key: [UInt8], info: TermInfo)]] = [:]

    /// Every term that starts with `prefix`, in key order.
    /// - Complexity: a dictionary scan the first time, a hash lookup after.
    func terms(withPrefix prefix: [UInt8], in index: IndexReader) throws(IndexError) -> [(key: [UInt8], info: TermInfo)] {
        if let cached = entries[prefix] { return cached }
        let found = try index.terms(withPrefix: prefix).map { (key: $0.0, info: $0.1) }
        entries[prefix] = found
        return found
    }
}

/// Per-field matches of one term: the docs whose normalized field text contains the term's
/// normalized text, with the occurrence count and the word-aligned occurrence count.
struct FieldMatches {
    var field: Int
    var docs: [UInt32] = []
    var frequencies: [UInt32] = []
    var aligned: [UInt32] = []
    /// With ``TermMatcher/collectStarts``: the first match starts in each doc (up to
    /// ``TermMatcher/maxStarts``), for proximity scoring.
    var starts: [[UInt32]] = []
    /// `aligned` holds 0 for occurrences whose alignment was not computed yet (see
    /// ``TermMatcher/match(_:field:lazyAlignment:within:)``): the true count is between 0 and the frequency.
    var alignmentPending = false
    /// Every match start of every doc was kept (a term of several grams, alignment pending):
    /// doc i's are `keptStarts[(i == 0 ? 0 : keptEnds[i − 1]) ..< keptEnds[i]]`, increasing. With
    /// them, ``Searcher``'s `refine` counts word alignment and proximity for the docs that can
    /// reach the top k without matching the term again (``kept(within:boundaries:collectStarts:)``).
    var keptAll = false
    var keptStarts: [UInt32] = []
    var keptEnds: [UInt32] = []
    /// The term's length (UTF-16 units) and whether it has words: what alignment needs.
    var span: UInt32 = 0
    var alignable = false

    /// Doc i's kept starts (``keptAll``).
    func keptStarts(_ i: Int) -> ArraySlice<UInt32> {
        keptStarts[Int(i == 0 ? 0 : keptEnds[i - 1])..<Int(keptEnds[i])]
    }

    /// These matches in `docs` (increasing) only, counted in full from the kept starts: word
    /// alignment (two bit tests an occurrence) and, with `collectStarts`, the first
    /// ``TermMatcher/maxStarts`` starts; what matching the term again `within` them gives.
    /// - Complexity: O(matches + docs + their occurrences).
    func kept(within docs: [UInt32], boundaries: DocsFileReader, collectStarts: Bool) throws(IndexError) -> FieldMatches {
        var out = FieldMatches(field: field)
        var j = 0
        for (i, doc) in self.docs.enumerated() {
            while j < docs.count && docs[j] < doc { j += 1 }
            if j == docs.count { break }
            guard docs[j] == doc else { continue }
            let starts = keptStarts(i)
            var aligned = 0
            if alignable {
                let bounds = try boundaries.wordBoundaries(field: field, doc: Int(doc))
                aligned = starts.withUnsafeBufferPointer { bounds.alignedCount(starts: $0, length: span) }
            }
            out.docs.append(doc)
            out.frequencies.append(frequencies[i])
            out.aligned.append(UInt32(aligned))
            if collectStarts { out.starts.append(Array(starts.prefix(TermMatcher.maxStarts))) }
        }
        return out
    }

    /// These matches of docs in `range` only (matches with neither match starts nor kept
    /// starts: a split field's part of its n-gram counts).
    /// - Complexity: O(log matches + matches in range).
    func restricted(to range: Range<UInt32>) -> FieldMatches {
        var out = self
        let (lo, hi) = docs.withUnsafeBufferPointer { d in
            (PostingsCursor.firstIndex(in: d, from: 0, to: d.count, atLeast: range.lowerBound),
             PostingsCursor.firstIndex(in: d, from: 0, to: d.count, atLeast: range.upperBound))
        }
        out.docs = Array(docs[lo..<hi])
        out.frequencies = Array(frequencies[lo..<hi])
        out.aligned = Array(aligned[lo..<hi])
        return out
    }

    /// These matches in `docs` (increasing) only.
    /// - Complexity: O(matches + docs).
    func restricted(to docs: [UInt32]) -> FieldMatches {
        var out = FieldMatches(field: field, alignmentPending: alignmentPending)
        out.keptAll = keptAll
        out.span = span
        out.alignable = alignable
        let kept = SortedDocs.commonIndices(self.docs, docs).a
        out.docs = kept.map { self.docs[$0] }
        out.frequencies = kept.map { frequencies[$0] }
        out.aligned = kept.map { aligned[$0] }
        if !starts.isEmpty { out.starts = kept.map { starts[$0] } }
        if keptAll {
            for i in kept {
                out.keptStarts.append(contentsOf: keptStarts(i))
                out.keptEnds.append(UInt32(out.keptStarts.count))
            }
        }
        return out
    }
}

/// Finds every occurrence of a term through the gram postings, checking positions, and
/// counts the word-aligned occurrences: those that start and end on a word boundary of the
/// document (``WordBoundaries``).
///
/// A term's grams form runs (split at spaces, which only a phrase can hold). A run of two or
/// more characters is covered by a set of its bigrams (and trigrams, in an index built with
/// them) that touches every character, chosen to read the fewest positions
/// (``cheapestCover(bigrams:trigrams:)``); a run of one character matches every
/// gram that starts with it (one range of the dictionary). All covering grams must sit at their
/// offsets from one start position: an exact substring match, never a false hit.
struct TermMatcher {
    let index: IndexReader
    let wordsOnly: Bool
    /// Record where matches start (for proximity between the terms of a query).
    var collectStarts = false
    /// Count word-aligned occurrences where they are not left pending: false when only the
    /// match starts are wanted (`refine`, for the proximity of a term whose alignment is
    /// known, as its n-gram counts give it), and the aligned counts are left at 0. (Not with
    /// `wordsOnly`, which keeps only docs with aligned occurrences.)
    var countAlignment = true
    static let maxStarts = 32
    /// Postings lists the whole query may open (shared by its terms).
    let budget: CursorBudget
    /// Prefix scans of the dictionary already made by this search.
    let prefixTerms: PrefixTerms

    init(index: IndexReader, wordsOnly: Bool, collectStarts: Bool = false, budget: CursorBudget = CursorBudget(),
         prefixTerms: PrefixTerms = PrefixTerms()) {
        self.index = index
        self.wordsOnly = wordsOnly
        self.collectStarts = collectStarts
        self.budget = budget
        self.prefixTerms = prefixTerms
    }

    /// Every term that starts with `prefix` (see ``PrefixTerms``).
    func terms(withPrefix prefix: [UInt8]) throws(IndexError) -> [(key: [UInt8], info: TermInfo)] {
        try prefixTerms.terms(withPrefix: prefix, in: index)
    }

    /// A cursor over `info`'s postings, counted against the query's budget.
    func cursor(_ info: TermInfo) throws(IndexError) -> PostingsCursor {
        guard budget.take() else { throw .build(CursorBudget.message) }
        return try index.postings(info)
    }

    /// One source of positions at a fixed offset from the match start.
    struct Source {
        var offset: UInt32
        var cursors: [PostingsCursor]
        var totalFreq: Int

        /// Docs over all its cursors (a doc in several counts several times).
        var docFreq: Int { cursors.reduce(0) { $0 + $1.docFreq } }

        /// Where two threads can cut the doc ids to share this source's docs: the middle doc of
        /// its longest postings list; nil below `minimumCandidates` docs (and 2), where a second
        /// thread would cost more than it saves.
        func splitDoc(minimumCandidates: Int) throws(IndexError) -> UInt32? {
            guard docFreq >= max(2, minimumCandidates), let longest = cursors.max(by: { $0.docFreq < $1.docFreq }) else { return nil }
            return try longest.middleDoc()
        }

        var doc: UInt32 {
            if cursors.count == 1 { return cursors[0].doc }
            var doc = PostingsCursor.exhausted
            for i in cursors.indices { doc = min(doc, cursors[i].doc) }
            return doc
        }

        mutating func seek(_ target: UInt32) throws(IndexError) -> UInt32 {
            if cursors.count == 1 {
                try cursors[0].seek(target)
                return cursors[0].doc
            }
            // (A cursor already at or past `target` is not called: a one-character source can
            // hold hundreds, few of which move for one target.)
            var doc = PostingsCursor.exhausted
            for i in cursors.indices {
                if cursors[i].doc < target { try cursors[i].seek(target) }
                doc = min(doc, cursors[i].doc)
            }
            return doc
        }

        /// Occurrences in the current doc (when it is `doc`).
        func frequency(_ doc: UInt32) -> Int {
            if cursors.count == 1 { return cursors[0].doc == doc ? cursors[0].frequency : 0 }
            var f = 0
            // (Indices, not `for c in cursors`: that copies every cursor.)
            for i in cursors.indices where cursors[i].doc == doc { f += cursors[i].frequency }
            return f
        }

        /// The positions in `doc`, increasing, written over `out[0...]` (see
        /// ``PostingsCursor/positions(into:at:)``); returns how many.
        mutating func positions(_ doc: UInt32, into out: inout [UInt32]) throws(IndexError) -> Int {
            if cursors.count == 1 { return cursors[0].doc == doc ? try cursors[0].positions(into: &out, at: 0) : 0 }
            var n = 0
            for i in cursors.indices where cursors[i].doc == doc { n += try cursors[i].positions(into: &out, at: n) }
            if n > 1 {
                out.withUnsafeMutableBufferPointer { all in
                    var part = UnsafeMutableBufferPointer(rebasing: all[0..<n])
                    part.sort()
                }
            }
            return n
        }
    }

    /// The grams of a run to match it by, increasing by start: the ``cheapestCover(bigrams:trigrams:)``
    /// by positions, plus the run's rarest gram when the cover leaves it out and it is in at
    /// most half as many docs as the cover's rarest. `bigrams[j]` spans characters j and j + 1,
    /// `trigrams[j]` characters j … j + 2 (nil, or past the end of `trigrams`, where the index
    /// does not hold it: an index without trigrams passes none). Only docs holding every
    /// chosen gram are candidates, whose positions are all read: in 生活保護 the bigram cover
    /// 生活 + 保護 meets in 1,432 law docs, 156 of which hold the term; 活保 narrows the
    /// candidates to about those. An extra gram cannot change the matches (the term holds it
    /// at its offset), only how many docs are looked at.
    static func coveringGrams(bigrams: [TermInfo], trigrams: [TermInfo?]) -> [(index: Int, length: Int)] {
        var cover = cheapestCover(bigrams: bigrams.map(\.totalFreq), trigrams: trigrams.map { $0?.totalFreq })
        func docFreq(_ gram: (index: Int, length: Int)) -> Int {
            gram.length == 3 ? trigrams[gram.index]!.docFreq : bigrams[gram.index].docFreq
        }
        // The first of the rarest, bigrams before trigrams.
        var rarest: (gram: (index: Int, length: Int), docFreq: Int)?
        for (j, info) in bigrams.enumerated() where rarest == nil || info.docFreq < rarest!.docFreq {
            rarest = ((j, 2), info.docFreq)
        }
        for (j, info) in trigrams.enumerated() {
            if let info, let known = rarest, info.docFreq < known.docFreq { rarest = ((j, 3), info.docFreq) }
        }
        guard let rarest, !cover.contains(where: { $0 == rarest.gram }),
              let coverRarest = cover.map(docFreq).min(), 2 * rarest.docFreq <= coverRarest else { return cover }
        cover.append(rarest.gram)
        cover.sort { ($0.index, $0.length) < ($1.index, $1.length) }
        return cover
    }

    /// The bigrams and trigrams (bigram j covering characters j and j + 1, trigram j
    /// characters j … j + 2; a nil cost, or none: not available) that cover every character of
    /// a run at the least total cost, increasing by start: dynamic programming over how many
    /// characters from the start are covered.
    /// - Complexity: O(n).
    static func cheapestCover(bigrams: [Int], trigrams: [Int?]) -> [(index: Int, length: Int)] {
        let n = bigrams.count + 1  // characters
        guard n > 1 else { return [] }
        func cost(_ start: Int, _ length: Int) -> Int? {
            length == 2 ? (start < bigrams.count ? bigrams[start] : nil) : (start < trigrams.count ? trigrams[start] : nil)
        }
        // (Scratch on the stack: a query plans each of its terms in each field.) best[c]: least
        // cost covering characters 0 ..< c with grams of which the last ends at c; that last
        // gram starts at gramStart[c], is gramLength[c] long, and follows the cover of
        // characters 0 ..< previous[c].
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 4 * (n + 1)) { scratch in
            let best = UnsafeMutableBufferPointer(rebasing: scratch[0..<(n + 1)])
            let gramStart = UnsafeMutableBufferPointer(rebasing: scratch[(n + 1)..<(2 * n + 2)])
            let gramLength = UnsafeMutableBufferPointer(rebasing: scratch[(2 * n + 2)..<(3 * n + 3)])
            let previous = UnsafeMutableBufferPointer(rebasing: scratch[(3 * n + 3)...])
            best.initialize(repeating: Int.max)
            gramStart.initialize(repeating: 0)
            gramLength.initialize(repeating: 0)
            previous.initialize(repeating: 0)
            best[0] = 0
            for c in 0..<n where best[c] != Int.max {
                for s in max(0, c - 2)...c {
                    for length in 2...3 {
                        let end = s + length
                        guard end > c, end <= n, let cost = cost(s, length) else { continue }
                        let total = best[c] + cost
                        if total < best[end] {
                            best[end] = total
                            gramStart[end] = s
                            gramLength[end] = length
                            previous[end] = c
                        }
                    }
                }
            }
            var chosen: [(index: Int, length: Int)] = []
            var c = n
            while c > 0 {
                chosen.append((gramStart[c], gramLength[c]))
                c = previous[c]
            }
            return chosen.reversed()
        }
    }

    /// The cursors that decide one term in one field: gram sources at offsets from the match
    /// start, and what word alignment needs.
    struct Plan {
        var sources: [Source]
        let field: Int
        let docs: DocsFileReader
        /// The term's length in UTF-16 units: an occurrence at `s` ends at `s + span`.
        let span: UInt32
        /// The query text has words; without any (punctuation only), nothing is word-aligned.
        let alignable: Bool
        /// Per-document scratch, kept to reuse its storage: the current doc's match starts are
        /// `starts[0..<startCount]` (valid when `startsValid`), and `list` holds one source's
        /// positions while they thin the starts out.
        var starts: [UInt32] = []
        var startCount = 0
        var list: [UInt32] = []
        /// `starts` holds the current doc's match starts.
        var startsValid = false

        /// The current doc's match starts (after ``TermMatcher/loadStarts(_:_:)``), at most `limit`.
        func startsPrefix(_ limit: Int) -> [UInt32] { Array(starts[0..<min(startCount, limit)]) }

        /// More than one source: a doc holding them all matches only where their positions line up.
        var positionsNeeded: Bool { sources.count > 1 }

        /// Moves every cursor back to its first doc (``PostingsCursor/rewind()``), so that the
        /// plan matches again as a new one would.
        mutating func rewind() throws(IndexError) {
            for s in sources.indices {
                for c in sources[s].cursors.indices { try sources[s].cursors[c].rewind() }
            }
            startsValid = false
            startCount = 0
        }
    }

    /// Opens the cursors for `analyzed` in `field`; nil when the term cannot match there.
    func plan(_ analyzed: AnalyzedText, field: Int) throws(IndexError) -> Plan? {
        let units = analyzed.text.units
        let grams = analyzed.grams
        guard !grams.isEmpty else { return nil }
        let origin = grams[0].start
        let termEnd = grams[grams.count - 1].end
        let alignable = !analyzed.words.isEmpty
        if wordsOnly && !alignable { return nil }
        guard var sources = try textSources(Array(units[Int(origin)..<Int(termEnd)]), field: field), !sources.isEmpty else { return nil }
        // Each number inside the term is a source too, at its offset: every occurrence of the
        // term makes it (see `enclosedNumbers`), and its postings are far shorter than the
        // grams': 25 written in three characters (二十五, 弐拾五, 025), 31k positions in laws2013's
        // bodies, against 131k for 五条 and 157k for 十五. On laws2013, 第二十五条 took 1.47 ms
        // instead of 2.23 (interleaved runs; same hits and top 10).
        for number in index.numbersWhole ? Self.enclosedNumbers(analyzed, from: Int(origin), to: Int(termEnd)) : [] {
            let key = TermKey.make(field: field, kind: .number, term: TermKey.numberTerm(value: number.value, length: Int(number.end - number.start)))
            guard let info = try index.lookup(key) else { return nil }
            // Only where its positions are at most half those of the rarest source: otherwise
            // it is as much to read as it saves (昭和二十二年: 32k positions for 22, 33k for 二年).
            guard 2 * info.totalFreq <= sources.map(\.totalFreq).min() ?? 0 else { continue }
            sources.append(Source(offset: UInt32(Int(number.start) - Int(origin)), cursors: [try cursor(info)], totalFreq: info.totalFreq))
        }
        sources.sort { $0.totalFreq < $1.totalFreq }
        return Plan(sources: sources, field: field, docs: index.docs, span: UInt32(termEnd - origin), alignable: alignable)
    }

    /// The numbers of the term's text that every occurrence of the text in a document makes
    /// too: a numeral run with a character of the term on each side that neither is a numeral
    /// nor could join the run (`,` `.`), written in numerals only (not an era year, whose token
    /// spans the era name). The recognizer reads a run, the character on each side and, for an
    /// era year, the two before: all inside the occurrence, so the document's run there is the
    /// same, with the same value and length, at the same offset.
    static func enclosedNumbers(_ analyzed: AnalyzedText, from origin: Int, to end: Int) -> [NumberToken] {
        let units = analyzed.text.units
        func joins(_ u: UInt16) -> Bool { JapaneseNumbers.isNumeralOrDigit(u) || u == 0x2C || u == 0x2E }
        return analyzed.numbers.filter { number in
            let start = Int(number.start), stop = Int(number.end)
            guard start > origin, stop < end, !joins(units[start - 1]), !joins(units[stop]) else { return false }
            return units[start..<stop].allSatisfy(joins)
        }
    }

    /// The key of the term's n-gram counts in `field` when the index counts its text there if
    /// frequent enough: the index has n-gram counts, the text is one run of grams, and
    /// ``Ngrams/isCounted(_:maxUnits:)``. When the dictionary lacks the key, fewer than
    /// ``NgramSettings/minDocs`` docs of the field hold the text (none, in a complete field).
    func countKey(_ analyzed: AnalyzedText, field: Int) -> [UInt8]? {
        guard let settings = index.ngramsWhole, let first = analyzed.grams.first, let last = analyzed.grams.last else { return nil }
        // One run: each gram but the last is a bigram that the next one starts inside.
        let grams = analyzed.grams
        for k in 0..<(grams.count - 1) where grams[k + 1].start >= grams[k].end { return nil }
        return analyzed.text.units.withUnsafeBufferPointer { all in
            let text = UnsafeBufferPointer(rebasing: all[Int(first.start)..<Int(last.end)])
            return Ngrams.isCounted(text, maxUnits: settings.maxUnits) ? TermKey.make(field: field, kind: .ngramCount, utf16: text) : nil
        }
    }

    /// The term's matches in `field` from its n-gram counts (``Ngrams``), when the index counts
    /// the term's text there: its docs with their occurrences and word-aligned occurrences,
    /// exact, with no position read (`within`, increasing: only those docs); none when the
    /// field counts all its n-grams (``NgramSettings/completeFields``) and not this one. Nil
    /// when the index does not count the text in this field (it has no n-grams, the text is
    /// longer than they go, holds a space or a clause end, or is in fewer docs than they
    /// need): the term is then matched through its positional grams.
    /// - Complexity: O(docs of the term's count postings), or O(|within| · seek).
    func countedMatches(_ analyzed: AnalyzedText, field: Int, within: [UInt32]?) throws(IndexError) -> FieldMatches? {
        guard let settings = index.ngramsWhole, let first = analyzed.grams.first, let last = analyzed.grams.last else { return nil }
        let alignable = !analyzed.words.isEmpty
        if wordsOnly && !alignable { return nil }
        guard let key = countKey(analyzed, field: field) else { return nil }
        guard let info = try index.lookup(key) else {
            // In a field whose every n-gram is counted, the text is in no doc.
            return settings.isComplete(field) ? FieldMatches(field: field) : nil
        }
        var counts = try cursor(info)
        var result = FieldMatches(field: field)
        result.span = UInt32(last.end - first.start)
        result.alignable = alignable
        // Each doc's packed counts (``NgramCount``) first.
        if let within {
            for doc in within where try counts.seek(doc) == doc {
                result.docs.append(doc)
                result.frequencies.append(try counts.firstPosition())
            }
        } else {
            result.docs.reserveCapacity(counts.docFreq)
            result.frequencies.reserveCapacity(counts.docFreq)
            try counts.drainFirstPositions(below: PostingsCursor.exhausted, docs: &result.docs, firsts: &result.frequencies)
        }
        result.aligned = [UInt32](repeating: 0, count: result.docs.count)
        // Unpacked in place: each doc's occurrences and word-aligned occurrences.
        let unpacked = result.frequencies.withUnsafeMutableBufferPointer { frequencies in
            result.aligned.withUnsafeMutableBufferPointer { NgramCount.unpack(frequencies, aligned: $0) }
        }
        var bad = unpacked.bad
        if unpacked.escaped {
            // A count too large to pack: its aligned count is in the doc's posting of kind 6.
            var alignedKey = key
            alignedKey[1] = TermKind.ngramAligned.rawValue
            if !bad, let alignedInfo = try index.lookup(alignedKey) {
                var alignedCounts = try cursor(alignedInfo)
                for i in result.docs.indices where result.frequencies[i] > NgramCount.packedLimit {
                    guard try alignedCounts.seek(result.docs[i]) == result.docs[i] else { continue }
                    result.aligned[i] = try alignedCounts.firstPosition()
                    bad = bad || result.aligned[i] > result.frequencies[i]
                }
            }
            if bad {
                throw .corrupt(file: index.postingsFileName, offset: info.postingsOffset,
                               reason: "n-gram counts: an escaped count that fits, or an aligned count above its count")
            }
        }
        if !alignable {
            result.aligned.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        if wordsOnly {
            // Only the word-aligned occurrences count.
            var kept = FieldMatches(field: field)
            kept.span = result.span
            kept.alignable = alignable
            for i in result.docs.indices where result.aligned[i] > 0 {
                kept.docs.append(result.docs[i])
                kept.frequencies.append(result.aligned[i])
                kept.aligned.append(result.aligned[i])
            }
            return kept
        }
        return result
    }

    /// Finds the docs whose field text contains the term. With `lazyAlignment`, word-aligned
    /// counts (which need each occurrence's start) are left at 0 and `alignmentPending` is set: the
    /// caller ranks with bounds and matches again, `within` the few docs that can reach its
    /// top k, without it. With `within` (increasing), only those docs are looked at.
    func match(_ analyzed: AnalyzedText, field: Int, lazyAlignment: Bool = false, within: [UInt32]? = nil) throws(IndexError) -> FieldMatches {
        guard var plan = try plan(analyzed, field: field) else { return FieldMatches(field: field) }
        return try match(analyzed, field: field, lazyAlignment: lazyAlignment, within: within, plan: &plan)
    }

    /// ``match(_:field:lazyAlignment:within:)`` with the term's plan in `field` made by the
    /// caller (see ``splitDoc(_:minimumCandidates:)``), and optionally only over the docs in
    /// `range` (not with `within`): the part of the doc ids one thread searches. The plan's
    /// cursors are used up. (A plan that is not uniquely referenced copies each cursor's
    /// buffers when it first moves.)
    func match(_ analyzed: AnalyzedText, field: Int, lazyAlignment: Bool = false, within: [UInt32]? = nil,
               plan: inout Plan, range: Range<UInt32>? = nil) throws(IndexError) -> FieldMatches {
        var result = FieldMatches(field: field)
        // Docs below `lower` and at or above `upper` are left to another call (exhausted is
        // UInt32.max, so without a range `doc < upper` is `doc != exhausted`).
        let lower = range?.lowerBound ?? 0
        let upper = range?.upperBound ?? PostingsCursor.exhausted
        let lazy = lazyAlignment && !wordsOnly && plan.alignable
        result.alignmentPending = lazy
        // Alignment is not counted now: fast paths that read no positions may run.
        let countsOnly = !wordsOnly && (lazy || !plan.alignable)

        // A lone character (a union of many grams): add up frequencies in doc order.
        if plan.sources.count == 1 && plan.sources[0].cursors.count > 1 && countsOnly {
            var tf = [UInt32](repeating: 0, count: index.documentCount)
            var docs: [UInt32] = []
            // Walk the cursors in place (a copy would copy its block buffers on first decode).
            var cursors = plan.sources[0].cursors
            plan.sources[0].cursors = []
            defer { plan.sources[0].cursors = cursors }  // (a plan may be rewound and matched again)
            for i in cursors.indices {
                if lower > 0 { try cursors[i].seek(lower) }
                while cursors[i].doc < upper {
                    let doc = Int(cursors[i].doc)
                    if tf[doc] == 0 { docs.append(cursors[i].doc) }
                    tf[doc] &+= UInt32(cursors[i].frequency)
                    try cursors[i].next()
                }
            }
            if docs.count > index.documentCount / 16 {
                // Dense: reading the counts in doc order beats sorting.
                var k = 0
                for doc in Int(min(lower, UInt32(tf.count)))..<Int(min(upper, UInt32(tf.count))) where tf[doc] != 0 {
                    docs[k] = UInt32(doc)
                    k += 1
                }
            } else {
                docs.sort()
            }
            if let within { docs = SortedDocs.intersect(docs, within) }
            result.docs = docs
            result.frequencies = docs.map { tf[Int($0)] }
            result.aligned = Array(repeating: 0, count: docs.count)
            if collectStarts { result.starts = Array(repeating: [], count: docs.count) }
            return result
        }

        // One bigram (a two-character term): its postings are the matches, walked in order.
        if plan.sources.count == 1 && plan.sources[0].cursors.count == 1 && within == nil && !collectStarts && countsOnly {
            // Walked in place, as the lone character's are (its block buffers stay uniquely
            // referenced), and put back without a new array.
            var cursors = plan.sources[0].cursors
            plan.sources[0].cursors = []
            defer { plan.sources[0].cursors = cursors }
            result.docs.reserveCapacity(cursors[0].docFreq)
            result.frequencies.reserveCapacity(cursors[0].docFreq)
            if lower > 0 { try cursors[0].seek(lower) }
            try cursors[0].drain(below: upper, docs: &result.docs, frequencies: &result.frequencies)
            result.aligned = Array(repeating: 0, count: result.docs.count)
            return result
        }

        // Alignment waits, and the positions are read anyway: keep every match start, so that
        // the docs that can reach the top k need not be matched again.
        let keep = lazy && plan.positionsNeeded && within == nil && !collectStarts
        result.keptAll = keep
        // At most one match a candidate: the docs of `within`, or of the rarest source
        // (reserved up to 4,096, well below where an allocation becomes a mapping of its own).
        let most = min(within?.count ?? plan.sources.map(\.docFreq).min() ?? 0, 4_096)
        result.docs.reserveCapacity(most)
        result.frequencies.reserveCapacity(most)
        result.aligned.reserveCapacity(most)
        if keep { result.keptEnds.reserveCapacity(most) }
        result.span = plan.span
        result.alignable = plan.alignable

        /// Counts `target`, where every source is, into the result.
        func take(_ target: UInt32) throws(IndexError) {
            let count = try Self.count(target, &plan)
            guard count > 0 else { return }
            if keep {
                result.keptStarts.append(contentsOf: plan.starts[0..<plan.startCount])
                result.keptEnds.append(UInt32(result.keptStarts.count))
            }
            let aligned = lazy || !countAlignment ? 0 : try Self.alignedCount(target, &plan)
            guard !wordsOnly || aligned > 0 else { return }
            result.docs.append(target)
            result.frequencies.append(wordsOnly ? aligned : count)
            result.aligned.append(aligned)
            if collectStarts {
                try Self.loadStarts(target, &plan)
                result.starts.append(plan.startsPrefix(Self.maxStarts))
            }
        }

        if let within, plan.sources.count == 1, plan.sources[0].cursors.count > 1, plan.sources[0].offset == 0 {
            return try Self.matchLoneCharacter(&plan, within: within, alignment: !lazy && plan.alignable && countAlignment, wordsOnly: wordsOnly,
                                               collectStarts: collectStarts, into: result)
        }
        if let within {
            // A few docs (the candidates of a top k): one seek of each source to each.
            candidates: for doc in within {
                for i in plan.sources.indices where try plan.sources[i].seek(doc) != doc { continue candidates }
                try take(doc)
            }
            return result
        }
        // Leapfrog: each source seeks to the doc the one before it stopped on.
        var target = max(plan.sources[0].doc, lower)
        outer: while target < upper {
            for i in plan.sources.indices {
                let doc = try plan.sources[i].seek(target)
                if doc != target {
                    target = doc
                    continue outer
                }
            }
            try take(target)
            target = target + 1
            if try plan.sources[0].seek(target) != target { target = plan.sources[0].doc }
        }
        return result
    }

    /// Whether the term in `plan` has so few candidate docs that its word alignment is best
    /// counted as it is matched, not left to ``Searcher``'s `refine` (for a term whose
    /// proximity bonus does not send it there anyway). Refine takes at least k docs, in rounds,
    /// each from kept match starts or, for a term of one gram, by matching it again (seeks,
    /// doc and position blocks decoded again, about 1.5 µs a doc). Counting alignment at once
    /// costs a look at each matching doc's word boundaries and two bit tests an occurrence,
    /// whose positions a term of several grams reads anyway (one bigram's postings read none:
    /// fewer docs pay), but each doc's boundaries are a cache miss of their own. On the
    /// laws2013 measure queries (interleaved runs), when refine always matched again, this took
    /// 婦人相談所 from 39 to 25 µs, コンピュータ from 88 to 56 and the p50 from 107 to 93 µs; at
    /// 512 candidates instead of 128, 難民認定 (233) and エネルギー went from 97 to 110 µs and
    /// from 123 to 164. With kept starts it still takes 婦人相談所 from 26 to 23 µs.
    static func alignsEagerly(_ plan: Plan) -> Bool {
        guard let rarest = plan.sources.map(\.docFreq).min() else { return false }
        return rarest <= (plan.positionsNeeded ? eagerAlignmentCandidates : eagerAlignmentPostings)
    }

    /// Candidate docs (the rarest gram's) up to which a term of several grams counts word
    /// alignment as it matches (``alignsEagerly(_:)``).
    static let eagerAlignmentCandidates = 128
    /// Docs up to which a term of one gram does.
    static let eagerAlignmentPostings = 64

    /// Where to cut the doc ids so that two threads can match the term in `plan` on half the
    /// candidates each: the middle doc of its rarest source (for a lone character, of its
    /// longest postings list). Nil when the rarest source has fewer than `minimumCandidates`
    /// docs, where a second thread would cost more than it saves, and for a term of one source
    /// (one bigram or one character), whose matches are a walk through postings without
    /// positions: there, waking a thread costs about as much as the walk.
    static func splitDoc(_ plan: Plan, minimumCandidates: Int) throws(IndexError) -> UInt32? {
        guard plan.sources.count > 1, let rarest = plan.sources.min(by: { $0.docFreq < $1.docFreq }) else { return nil }
        return try rarest.splitDoc(minimumCandidates: minimumCandidates)
    }

    /// A lone character (one source of many grams) in a few docs: cursor by cursor, each
    /// jumping straight to the next of `within` at or after its doc, so that the many short
    /// postings lists cost a binary search each rather than a seek for every doc.
    /// - Complexity: O(Σ over cursors of the `within` docs it holds · log |within|), plus
    ///   the positions read when alignment or starts are wanted.
    static func matchLoneCharacter(_ plan: inout Plan, within: [UInt32], alignment: Bool, wordsOnly: Bool,
                                   collectStarts: Bool, into result: FieldMatches) throws(IndexError) -> FieldMatches {
        var result = result
        var tf = [UInt32](repeating: 0, count: within.count)
        var aligned = [UInt32](repeating: 0, count: within.count)
        var starts = [[UInt32]](repeating: [], count: collectStarts ? within.count : 0)
        var positions: [UInt32] = []
        // Walk the cursors in place (a copy would copy its block buffers on first decode).
        var cursors = plan.sources[0].cursors
        plan.sources[0].cursors = []
        defer { plan.sources[0].cursors = cursors }
        /// The first index ≥ `from` of `within` whose doc is ≥ `doc`.
        func lowerBound(_ doc: UInt32, from: Int) -> Int {
            within.withUnsafeBufferPointer { PostingsCursor.firstIndex(in: $0, from: from, to: $0.count, atLeast: doc) }
        }
        for i in cursors.indices {
            var j = lowerBound(cursors[i].doc, from: 0)
            while j < within.count {
                let doc = try cursors[i].seek(within[j])
                if doc == PostingsCursor.exhausted { break }
                guard doc == within[j] else {
                    j = lowerBound(doc, from: j)
                    continue
                }
                tf[j] &+= UInt32(cursors[i].frequency)
                if alignment || collectStarts {
                    positions.removeAll(keepingCapacity: true)
                    try cursors[i].positions(into: &positions)
                    if alignment {
                        let bounds = try plan.docs.wordBoundaries(field: plan.field, doc: Int(doc))
                        aligned[j] &+= UInt32(bounds.alignedCount(starts: positions, length: plan.span))
                    }
                    if collectStarts { starts[j].append(contentsOf: positions) }
                }
                j += 1
            }
        }
        for j in within.indices where tf[j] > 0 && (!wordsOnly || aligned[j] > 0) {
            result.docs.append(within[j])
            result.frequencies.append(wordsOnly ? aligned[j] : tf[j])
            result.aligned.append(aligned[j])
            if collectStarts {
                starts[j].sort()
                result.starts.append(Array(starts[j].prefix(maxStarts)))
            }
        }
        return result
    }

    /// Occurrences of the term in `doc`, where every source is. With several sources, the
    /// starts where all their positions line up (left in `plan.starts[0..<plan.startCount]`).
    ///
    /// The source with the fewest occurrences in `doc` gives the candidate starts; the others
    /// (in plan order, fewest in the whole index first) keep those that line up with one of
    /// their positions, until none is left. A source with more than four times as many
    /// occurrences as there are starts left checks them as it decodes its positions, and stops
    /// after the last (``PostingsCursor/keepStarts(_:offset:)``): on laws2013 that took
    /// 第二十五条 and "この法律の施行の日" from 2.29 and 1.75 ms to 2.04 and 1.52 (ABBA runs).
    /// The scratch arrays are taken out of the plan while they are written, so that each write
    /// is to a uniquely referenced local.
    static func count(_ doc: UInt32, _ plan: inout Plan) throws(IndexError) -> UInt32 {
        plan.startsValid = false
        guard plan.positionsNeeded else { return UInt32(plan.sources[0].frequency(doc)) }
        var first = 0
        var fewest = Int.max
        for i in plan.sources.indices {
            let f = plan.sources[i].frequency(doc)
            if f < fewest {
                fewest = f
                first = i
            }
        }
        var starts = plan.starts
        var list = plan.list
        plan.starts = []
        plan.list = []
        defer {
            plan.starts = starts
            plan.list = list
            plan.startsValid = true
        }
        let found = try plan.sources[first].positions(doc, into: &starts)
        var count = shiftStarts(&starts, found, by: plan.sources[first].offset)
        for k in plan.sources.indices where k != first && count > 0 {
            if plan.sources[k].cursors.count == 1 && plan.sources[k].cursors[0].frequency > 4 * count {
                // A few starts against a long list: checked as the list is decoded, up to the last.
                let offset = plan.sources[k].offset
                count = try starts.withUnsafeMutableBufferPointer { (s) throws(IndexError) in
                    try plan.sources[k].cursors[0].keepStarts(UnsafeMutableBufferPointer(rebasing: s[0..<count]), offset: offset)
                }
                continue
            }
            let n = try plan.sources[k].positions(doc, into: &list)
            let offset = plan.sources[k].offset
            count = starts.withUnsafeMutableBufferPointer { s in
                list.withUnsafeBufferPointer { p in
                    keepAligned(UnsafeMutableBufferPointer(rebasing: s[0..<count]), UnsafeBufferPointer(rebasing: p[0..<n]), offset: offset)
                }
            }
        }
        plan.startCount = count
        return UInt32(count)
    }

    /// Turns the first `count` positions of `values` (increasing) into match starts for a
    /// source at `offset`: drops those below it (a prefix) and subtracts it; returns how many
    /// are left, at the front.
    static func shiftStarts(_ values: inout [UInt32], _ count: Int, by offset: UInt32) -> Int {
        guard offset > 0 else { return count }
        return values.withUnsafeMutableBufferPointer { v in
            var skip = 0
            while skip < count && v[skip] < offset { skip += 1 }
            for i in skip..<count { v[i - skip] = v[i] - offset }
            return count - skip
        }
    }

    /// Makes `plan.starts[0..<plan.startCount]` hold the match starts in `doc` (after
    /// ``count(_:_:)`` found some).
    static func loadStarts(_ doc: UInt32, _ plan: inout Plan) throws(IndexError) {
        guard !plan.startsValid else { return }
        var starts = plan.starts
        plan.starts = []
        let found = try plan.sources[0].positions(doc, into: &starts)
        plan.startCount = shiftStarts(&starts, found, by: plan.sources[0].offset)
        plan.starts = starts
        plan.startsValid = true
    }

    /// How many of the term's occurrences in `doc` start and end on a word boundary.
    /// - Complexity: O(occurrences): two bit tests each.
    static func alignedCount(_ doc: UInt32, _ plan: inout Plan) throws(IndexError) -> UInt32 {
        guard plan.alignable else { return 0 }
        let bounds = try plan.docs.wordBoundaries(field: plan.field, doc: Int(doc))
        if !plan.startsValid && plan.sources[0].cursors.count > 1 && plan.sources[0].offset == 0 {
            // A lone character (one source of many grams): count cursor by cursor, unmerged.
            var list = plan.list
            plan.list = []
            defer { plan.list = list }
            var n = 0
            for i in plan.sources[0].cursors.indices where plan.sources[0].cursors[i].doc == doc {
                let found = try plan.sources[0].cursors[i].positions(into: &list, at: 0)
                n += list.withUnsafeBufferPointer { bounds.alignedCount(starts: UnsafeBufferPointer(rebasing: $0[0..<found]), length: plan.span) }
            }
            return UInt32(n)
        }
        try loadStarts(doc, &plan)
        return UInt32(plan.starts.withUnsafeBufferPointer {
            bounds.alignedCount(starts: UnsafeBufferPointer(rebasing: $0[0..<plan.startCount]), length: plan.span)
        })
    }

    /// Moves `target` to the first doc of `within` (increasing) that is ≥ `target`, walking
    /// `next` forward through `within`; false when no such doc is left.
    @inline(__always)
    static func advance(_ target: inout UInt32, within: [UInt32], next: inout Int) -> Bool {
        while next < within.count && within[next] < target { next += 1 }
        guard next < within.count else { return false }
        target = within[next]
        return true
    }

    /// The docs in either increasing list.
    ///
    /// Lists of similar lengths are merged branch-free (which one goes next is unpredictable).
    /// A short list beside a long one (a term's title matches beside its body matches) is
    /// placed by a binary search for each of its docs, the runs of the long list between them
    /// copied whole: a merge step waits for the comparison before, about 8 cycles an element.
    /// - Complexity: O(m + n) merged; O(short · log long + long) copied.
    static func union(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        let (long, short) = a.count >= b.count ? (a, b) : (b, a)
        return [UInt32](unsafeUninitializedCapacity: a.count + b.count) { out, written in
            long.withUnsafeBufferPointer { pl in
                short.withUnsafeBufferPointer { ps in
                    let o = out.baseAddress!
                    var i = 0, j = 0, k = 0
                    if 8 * ps.count <= pl.count {
                        for y in ps {
                            // The first doc of the long list at or after y.
                            let lo = PostingsCursor.firstIndex(in: pl, from: i, to: pl.count, atLeast: y)
                            (o + k).update(from: pl.baseAddress! + i, count: lo - i)
                            k += lo - i
                            i = lo
                            if i < pl.count && pl[i] == y { i += 1 }
                            o[k] = y
                            k += 1
                        }
                        j = ps.count
                    } else {
                        // Branch-free: the smaller head goes out, and each list steps past it.
                        while i < pl.count && j < ps.count {
                            let x = pl[i], y = ps[j]
                            o[k] = min(x, y)
                            i &+= x <= y ? 1 : 0
                            j &+= y <= x ? 1 : 0
                            k &+= 1
                        }
                    }
                    while i < pl.count { o[k] = pl[i]; i &+= 1; k &+= 1 }
                    while j < ps.count { o[k] = ps[j]; j &+= 1; k &+= 1 }
                    written = k
                }
            }
        }
    }

    /// Keeps the starts `s` for which `s + offset` is in `positions` (both increasing).
    /// Gallops through `positions` when it is much longer than `starts`.
    /// - Complexity: O(starts · log(positions / starts)) galloping, else O(starts + positions).
    static func keepAligned(_ starts: inout [UInt32], _ positions: [UInt32], offset: UInt32) {
        let kept = starts.withUnsafeMutableBufferPointer { s in
            positions.withUnsafeBufferPointer { p in keepAligned(s, p, offset: offset) }
        }
        starts.removeLast(starts.count - kept)
    }

    /// The unsafe core of ``keepAligned(_:_:offset:)``: compacts `starts` in place and returns
    /// how many are kept.
    @inline(__always)
    static func keepAligned(_ starts: UnsafeMutableBufferPointer<UInt32>, _ positions: UnsafeBufferPointer<UInt32>,
                            offset: UInt32) -> Int {
        let n = positions.count
        let m = starts.count
        guard let sBase = starts.baseAddress, let pBase = positions.baseAddress, m > 0, n > 0 else { return 0 }
        var kept = 0
        var i = 0
        var j = 0
        if n <= 8 * m {
            // Branch-free merge: the lists are of similar length, and which one advances is
            // unpredictable. Writing `starts[kept]` every step is harmless (kept ≤ i < i + 1).
            // The next value of each list is loaded a step ahead and chosen by a select, so
            // that a load is not in the chain from one comparison to the next.
            var a = sBase[0] &+ offset
            var b = pBase[0]
            while true {
                let nextA = sBase[Swift.min(i &+ 1, m &- 1)] &+ offset
                let nextB = pBase[Swift.min(j &+ 1, n &- 1)]
                sBase[kept] = a &- offset
                // Comparisons as 0/1 integers (setcc), not branches.
                let le = Int(unsafeBitCast(a <= b, to: UInt8.self))
                let ge = Int(unsafeBitCast(b <= a, to: UInt8.self))
                kept &+= le & ge
                i &+= le
                j &+= ge
                if i >= m || j >= n { break }
                a = le != 0 ? nextA : a
                b = ge != 0 ? nextB : b
            }
            return kept
        }
        while i < m {
            let wanted = sBase[i] &+ offset
            // Exponential then binary search for the first position ≥ wanted.
            var step = 1
            var hi = j
            while hi < n && pBase[hi] < wanted {
                j = hi + 1
                hi = j + step
                step <<= 1
            }
            hi = Swift.min(hi, n)
            while j < hi {
                let mid = (j + hi) >> 1
                if pBase[mid] < wanted { j = mid + 1 } else { hi = mid }
            }
            if j == n { break }
            if pBase[j] == wanted {
                sBase[kept] = sBase[i]
                kept += 1
            }
            i += 1
        }
        return kept
    }

    func isOneCharacter(_ gram: TokenSpan, _ units: [UInt16]) -> Bool {
        gram.length == 1 || (gram.length == 2 && (0xD800...0xDBFF).contains(units[Int(gram.start)]))
    }
}
