import KensakuAnalysis
import KensakuIndex

/// Per-field matches of one term: the docs whose normalized field text contains the term's
/// normalized text, with the occurrence count and the word-aligned occurrence count.
struct FieldMatches {
    var field: Int
    var docs: [UInt32] = []
    var frequencies: [UInt32] = []
    var aligned: [UInt32] = []
}

/// Finds every occurrence of a term through the gram postings, checking positions, and
/// counts the occurrences where the query's words line up with the document's words.
///
/// A term's grams form runs (split at spaces, which only a phrase can hold). A run of two or
/// more characters is covered by bigrams at every other character plus the last one; a run of
/// one character matches every gram that starts with it (one range of the dictionary). All
/// covering grams must sit at their offsets from one start position: an exact substring match,
/// never a false hit.
struct TermMatcher {
    let index: IndexReader
    let wordsOnly: Bool

    /// One source of positions at a fixed offset from the match start.
    private struct Source {
        var offset: UInt32
        var cursors: [PostingsCursor]
        var doc: UInt32 { cursors.reduce(PostingsCursor.exhausted) { min($0, $1.doc) } }

        mutating func seek(_ target: UInt32) throws(IndexError) -> UInt32 {
            for i in cursors.indices { try cursors[i].seek(target) }
            return doc
        }

        mutating func positions(_ doc: UInt32, into out: inout [UInt32]) throws(IndexError) {
            out.removeAll(keepingCapacity: true)
            for i in cursors.indices where cursors[i].doc == doc { try cursors[i].positions(into: &out) }
            if cursors.count > 1 { out.sort() }
        }
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
        // Runs: a unigram closes a run.
        var sources: [Source] = []
        var runStart = 0
        for (i, gram) in grams.enumerated() where isOneCharacter(gram, units) || i == grams.count - 1 {
            let run = grams[runStart...i]
            runStart = i + 1
            if run.count == 1 {
                // One character: every gram that starts with it.
                let prefix = key(.gram, run[run.startIndex])
                var cursors: [PostingsCursor] = []
                for (_, info) in try index.terms(withPrefix: prefix) { cursors.append(try index.postings(info)) }
                if cursors.isEmpty { return result }
                sources.append(Source(offset: UInt32(run[run.startIndex].start - origin), cursors: cursors))
                continue
            }
            // Bigrams at every other character, and the run's last bigram.
            let bigrams = Array(run.dropLast())
            var chosen = stride(from: 0, to: bigrams.count, by: 2).map { bigrams[$0] }
            if let last = bigrams.last, chosen.last != last { chosen.append(last) }
            for gram in chosen {
                guard let info = try index.lookup(key(.gram, gram)) else { return result }
                sources.append(Source(offset: UInt32(gram.start - origin), cursors: [try index.postings(info)]))
            }
        }
        // Word cursors, for alignment.
        var words: [Source] = []
        var wordsMissing = analyzed.words.isEmpty
        for word in analyzed.words {
            guard let info = try index.lookup(key(.word, word)) else { wordsMissing = true; break }
            words.append(Source(offset: UInt32(word.start - origin), cursors: [try index.postings(info)]))
        }
        if wordsOnly && wordsMissing { return result }

        // A single one-character term needs no positions: sum the frequencies.
        if sources.count == 1 && sources[0].cursors.count > 1 && !wordsOnly {
            var tf: [UInt32: UInt32] = [:]
            for var cursor in sources[0].cursors {
                while cursor.doc != PostingsCursor.exhausted {
                    tf[cursor.doc, default: 0] += UInt32(cursor.frequency)
                    try cursor.next()
                }
            }
            for doc in tf.keys.sorted() {
                result.docs.append(doc)
                result.frequencies.append(tf[doc]!)
                result.aligned.append(0)
            }
            if !wordsMissing { try countAligned(&result, words: &words) }
            return result
        }

        // Leapfrog over the sources' docs, then check positions.
        sources.sort { $0.cursors.count == $1.cursors.count ? $0.cursors[0].docFreq < $1.cursors[0].docFreq : $0.cursors.count < $1.cursors.count }
        var target = sources[0].doc
        var lists = [[UInt32]](repeating: [], count: sources.count)
        var wordLists = [[UInt32]](repeating: [], count: words.count)
        var starts: [UInt32] = []
        outer: while target != PostingsCursor.exhausted {
            for i in sources.indices {
                let doc = try sources[i].seek(target)
                if doc != target {
                    target = doc
                    continue outer
                }
            }
            // All sources are on `target`.
            for i in sources.indices { try sources[i].positions(target, into: &lists[i]) }
            starts.removeAll(keepingCapacity: true)
            for p in lists[0] where p >= sources[0].offset {
                let start = p - sources[0].offset
                var ok = true
                for i in 1..<sources.count where !contains(lists[i], start + sources[i].offset) {
                    ok = false
                    break
                }
                if ok { starts.append(start) }
            }
            if !starts.isEmpty {
                var aligned: UInt32 = 0
                if !wordsMissing {
                    var allOnDoc = true
                    for i in words.indices {
                        if try words[i].seek(target) != target { allOnDoc = false; break }
                        try words[i].positions(target, into: &wordLists[i])
                    }
                    if allOnDoc {
                        for start in starts where words.indices.allSatisfy({ contains(wordLists[$0], start + words[$0].offset) }) {
                            aligned += 1
                        }
                    }
                }
                if !wordsOnly || aligned > 0 {
                    result.docs.append(target)
                    result.frequencies.append(wordsOnly ? aligned : UInt32(starts.count))
                    result.aligned.append(aligned)
                }
            }
            target = target + 1
            if try sources[0].seek(target) != target { target = sources[0].doc }
        }
        return result
    }

    /// Word-aligned counts for one-character terms: the docs where the character is a word.
    private func countAligned(_ result: inout FieldMatches, words: inout [Source]) throws(IndexError) {
        guard words.count == 1 else { return }
        for (i, doc) in result.docs.enumerated() where try words[0].seek(doc) == doc {
            result.aligned[i] = UInt32(words[0].cursors[0].frequency)
        }
    }

    private func isOneCharacter(_ gram: TokenSpan, _ units: [UInt16]) -> Bool {
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
