import KensakuAnalysis
import KensakuIndex

/// How many postings lists one query may open. Each costs memory and, for one-character
/// pieces (a union of every gram that starts with the character), time on every candidate
/// document: a query past the budget is refused with an error instead of running for minutes.
final class CursorBudget {
    static let limit = 8_192
    static let message = "the query needs more than \(limit) postings lists; make it narrower"
    private(set) var used = 0

    func take() -> Bool {
        used += 1
        return used <= Self.limit
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
}

/// Finds every occurrence of a term through the gram postings, checking positions, and
/// counts the occurrences where the query's words line up with the document's words.
///
/// A term's grams form runs (split at spaces, which only a phrase can hold). A run of two or
/// more characters is covered by a set of its bigrams that touches every character, chosen to
/// read the fewest positions (``cheapestCover(_:)``); a run of one character matches every
/// gram that starts with it (one range of the dictionary). All covering grams must sit at their
/// offsets from one start position: an exact substring match, never a false hit.
struct TermMatcher {
    let index: IndexReader
    let wordsOnly: Bool
    /// Record where matches start (for proximity between the terms of a query).
    var collectStarts = false
    static let maxStarts = 32
    /// Postings lists the whole query may open (shared by its terms).
    let budget: CursorBudget

    init(index: IndexReader, wordsOnly: Bool, collectStarts: Bool = false, budget: CursorBudget = CursorBudget()) {
        self.index = index
        self.wordsOnly = wordsOnly
        self.collectStarts = collectStarts
        self.budget = budget
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

        var doc: UInt32 {
            if cursors.count == 1 { return cursors[0].doc }
            return cursors.reduce(PostingsCursor.exhausted) { min($0, $1.doc) }
        }

        mutating func seek(_ target: UInt32) throws(IndexError) -> UInt32 {
            for i in cursors.indices { try cursors[i].seek(target) }
            return doc
        }

        /// Occurrences in the current doc (when it is `doc`).
        func frequency(_ doc: UInt32) -> Int {
            var f = 0
            for c in cursors where c.doc == doc { f += c.frequency }
            return f
        }

        mutating func positions(_ doc: UInt32, into out: inout [UInt32]) throws(IndexError) {
            out.removeAll(keepingCapacity: true)
            for i in cursors.indices where cursors[i].doc == doc { try cursors[i].positions(into: &out) }
            if cursors.count > 1 { out.sort() }
        }
    }

    /// The bigrams (indices into `costs`, bigram i covering characters i and i+1) that cover
    /// every character of a run at the least total cost. Dynamic programming over the run.
    /// - Complexity: O(n).
    static func cheapestCover(_ costs: [Int]) -> [Int] {
        let n = costs.count  // bigrams; characters = n + 1
        guard n > 1 else { return Array(0..<n) }
        // best[i][t]: least cost for bigrams 0...i with characters 0...i covered, t = bigram i taken.
        let infinity = Int.max / 4
        var best = [[Int]](repeating: [infinity, infinity], count: n)
        var from = [[Int]](repeating: [0, 0], count: n)
        best[0][1] = costs[0]  // character 0 is covered only by bigram 0
        for i in 1..<n {
            // Not taking bigram i: character i must be covered by bigram i−1.
            best[i][0] = best[i - 1][1]
            from[i][0] = 1
            // Taking it: anything before works.
            let previous = best[i - 1][0] <= best[i - 1][1] ? 0 : 1
            best[i][1] = best[i - 1][previous] + costs[i]
            from[i][1] = previous
        }
        // The last character is covered only by the last bigram.
        var chosen: [Int] = []
        var t = 1
        var i = n - 1
        while i >= 0 {
            if t == 1 { chosen.append(i) }
            let f = from[i][t]
            t = f
            i -= 1
        }
        return chosen.reversed()
    }

    func match(_ analyzed: AnalyzedText, field: Int) throws(IndexError) -> FieldMatches {
        var result = FieldMatches(field: field)
        let units = analyzed.text.units
        let grams = analyzed.grams
        guard !grams.isEmpty else { return result }
        func key(_ kind: TermKind, _ span: TokenSpan) -> [UInt8] {
            TermKey.make(field: field, kind: kind, term: String(decoding: units[Int(span.start)..<Int(span.end)], as: UTF16.self))
        }
        let origin = grams[0].start
        let termEnd = grams[grams.count - 1].end
        guard var sources = try textSources(Array(units[Int(origin)..<Int(termEnd)]), field: field), !sources.isEmpty else { return result }
        // Word cursors, for alignment.
        var words: [Source] = []
        var wordsMissing = analyzed.words.isEmpty
        for word in analyzed.words {
            guard let info = try index.lookup(key(.word, word)) else { wordsMissing = true; break }
            words.append(Source(offset: UInt32(word.start - origin), cursors: [try cursor(info)], totalFreq: info.totalFreq))
        }
        if wordsOnly && wordsMissing { return result }
        // One word spanning the whole term: its occurrences are exactly the aligned ones.
        let wholeWord = !wordsMissing && words.count == 1 && analyzed.words[0].start == origin && analyzed.words[0].end == termEnd

        // A lone character (a union of many grams): add up frequencies in doc order.
        if sources.count == 1 && sources[0].cursors.count > 1 && !wordsOnly {
            var tf = [UInt32](repeating: 0, count: index.documentCount)
            var docs: [UInt32] = []
            for var cursor in sources[0].cursors {
                while cursor.doc != PostingsCursor.exhausted {
                    if tf[Int(cursor.doc)] == 0 { docs.append(cursor.doc) }
                    tf[Int(cursor.doc)] += UInt32(cursor.frequency)
                    try cursor.next()
                }
            }
            docs.sort()
            for doc in docs {
                var aligned: UInt32 = 0
                if wholeWord, try words[0].seek(doc) == doc { aligned = UInt32(words[0].frequency(doc)) }
                result.docs.append(doc)
                result.frequencies.append(tf[Int(doc)])
                result.aligned.append(aligned)
                if collectStarts { result.starts.append([]) }
            }
            return result
        }

        sources.sort { $0.totalFreq < $1.totalFreq }
        // One source: its frequency is the match count, no positions needed.
        let positionsNeeded = sources.count > 1
        var target = sources[0].doc
        var lists = [[UInt32]](repeating: [], count: sources.count)
        var wordLists = [[UInt32]](repeating: [], count: words.count)
        var starts: [UInt32] = []
        var order = Array(sources.indices)
        outer: while target != PostingsCursor.exhausted {
            for i in sources.indices {
                let doc = try sources[i].seek(target)
                if doc != target {
                    target = doc
                    continue outer
                }
            }
            // All sources are on `target`.
            var count: UInt32
            if positionsNeeded {
                // Fewest occurrences first; stop as soon as no start survives.
                order.sort { sources[$0].frequency(target) < sources[$1].frequency(target) }
                let first = order[0]
                try sources[first].positions(target, into: &lists[first])
                starts.removeAll(keepingCapacity: true)
                let firstOffset = sources[first].offset
                for p in lists[first] where p >= firstOffset { starts.append(p - firstOffset) }
                for k in order.dropFirst() where !starts.isEmpty {
                    try sources[k].positions(target, into: &lists[k])
                    Self.keepAligned(&starts, lists[k], offset: sources[k].offset)
                }
                count = UInt32(starts.count)
            } else {
                count = UInt32(sources[0].frequency(target))
            }
            var startsValid = positionsNeeded
            if count > 0 {
                var aligned: UInt32 = 0
                if wholeWord {
                    if try words[0].seek(target) == target { aligned = UInt32(words[0].frequency(target)) }
                } else if !wordsMissing {
                    var allOnDoc = true
                    for i in words.indices where try words[i].seek(target) != target {
                        allOnDoc = false
                        break
                    }
                    if allOnDoc {
                        if !startsValid {
                            try sources[0].positions(target, into: &lists[0])
                            starts = lists[0].map { $0 - sources[0].offset }
                            startsValid = true
                        }
                        for i in words.indices { try words[i].positions(target, into: &wordLists[i]) }
                        for start in starts where words.indices.allSatisfy({ contains(wordLists[$0], start + words[$0].offset) }) {
                            aligned += 1
                        }
                    }
                }
                if !wordsOnly || aligned > 0 {
                    result.docs.append(target)
                    result.frequencies.append(wordsOnly ? aligned : count)
                    result.aligned.append(aligned)
                    if collectStarts {
                        if !startsValid {
                            try sources[0].positions(target, into: &lists[0])
                            starts = lists[0].map { $0 - sources[0].offset }
                        }
                        result.starts.append(Array(starts.prefix(Self.maxStarts)))
                    }
                }
            }
            target = target + 1
            if try sources[0].seek(target) != target { target = sources[0].doc }
        }
        return result
    }

    /// Keeps the starts `s` for which `s + offset` is in `positions` (both increasing).
    /// - Complexity: O(starts + positions).
    static func keepAligned(_ starts: inout [UInt32], _ positions: [UInt32], offset: UInt32) {
        var kept = 0
        var j = 0
        let n = positions.count
        for i in starts.indices {
            let wanted = starts[i] + offset
            while j < n && positions[j] < wanted { j += 1 }
            if j == n { break }
            if positions[j] == wanted {
                starts[kept] = starts[i]
                kept += 1
            }
        }
        starts.removeLast(starts.count - kept)
    }

    func isOneCharacter(_ gram: TokenSpan, _ units: [UInt16]) -> Bool {
        gram.length == 1 || (gram.length == 2 && (0xD800...0xDBFF).contains(units[Int(gram.start)]))
    }

    @inline(__always)
    private func contains(_ sorted: [UInt32], _ value: UInt32) -> Bool {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] == value
    }
}
