import KensakuAnalysis
import KensakuIndex

extension TermMatcher {
    /// Sources for a text piece: grams at offsets from the piece's start, as for a whole term.
    /// Nil when some gram is not in the field (the piece cannot match).
    func textSources(_ piece: [UInt16], field: Int) throws(IndexError) -> [Source]? {
        let grams = piece.withUnsafeBufferPointer { Analyzer.gramTokens($0) }
        guard !grams.isEmpty else { return [] }
        func key(_ span: TokenSpan) -> [UInt8] {
            piece[Int(span.start)..<Int(span.end)].withUnsafeBufferPointer { TermKey.make(field: field, kind: .gram, utf16: $0) }
        }
        var sources: [Source] = []
        var runStart = 0
        for (i, gram) in grams.enumerated() where isOneCharacter(gram, piece) || i == grams.count - 1 {
            let run = Array(grams[runStart...i])
            runStart = i + 1
            if run.count == 1 {
                var cursors: [PostingsCursor] = []
                var total = 0
                for (_, info) in try index.terms(withPrefix: key(run[0])) {
                    cursors.append(try cursor(info))
                    total += info.totalFreq
                }
                if cursors.isEmpty { return nil }
                sources.append(Source(offset: UInt32(run[0].start), cursors: cursors, totalFreq: total))
                continue
            }
            let bigrams = run.dropLast()
            var infos: [TermInfo] = []
            for gram in bigrams {
                guard let info = try index.lookup(key(gram)) else { return nil }
                infos.append(info)
            }
            for b in Self.cheapestCover(infos.map(\.totalFreq)) {
                sources.append(Source(offset: UInt32(bigrams[bigrams.startIndex + b].start),
                                      cursors: [try cursor(infos[b])], totalFreq: infos[b].totalFreq))
            }
        }
        return sources
    }

    /// Matches a term cut at its numbers: each number piece matches any written form of its
    /// value (through the `value#length` number terms), each text piece its exact text, and the
    /// pieces must follow each other without gaps.
    func match(_ pieces: NumberPieces, field: Int, within: [UInt32]? = nil) throws(IndexError) -> FieldMatches {
        var result = FieldMatches(field: field)
        // Per piece: its sources (text), or one source over every written form and their lengths (number).
        var pieceSources: [[Source]] = []
        var pieceLengths: [[UInt32]] = []
        var textLengths: [UInt32] = []
        for piece in pieces.pieces {
            switch piece {
            case .text(let units):
                guard let sources = try textSources(units, field: field) else { return result }
                pieceSources.append(sources)
                pieceLengths.append([])
                textLengths.append(UInt32(units.count))
            case .number(let value):
                let prefix = TermKey.make(field: field, kind: .number, term: value + "#")
                var cursors: [PostingsCursor] = []
                var lengths: [UInt32] = []
                var total = 0
                for (key, info) in try index.terms(withPrefix: prefix) {
                    guard let length = UInt32(String(decoding: key.dropFirst(prefix.count), as: UTF8.self)) else { continue }
                    cursors.append(try cursor(info))
                    lengths.append(length)
                    total += info.totalFreq
                }
                if cursors.isEmpty { return result }
                pieceSources.append([Source(offset: 0, cursors: cursors, totalFreq: total)])
                pieceLengths.append(lengths)
                textLengths.append(0)
            }
        }
        let flat = pieceSources.indices.flatMap { p in pieceSources[p].indices.map { (p, $0) } }
        guard !flat.isEmpty else { return result }
        var lists: [UInt32] = []
        var starts: [UInt32] = []
        var other: [UInt32] = []
        var chains: [(start: UInt32, end: UInt32)] = []
        var target = flat.map { pieceSources[$0.0][$0.1].doc }.max() ?? PostingsCursor.exhausted
        var next = 0  // into `within`
        outer: while target != PostingsCursor.exhausted {
            if let within, !Self.advance(&target, within: within, next: &next) { break }
            for (p, s) in flat {
                let doc = try pieceSources[p][s].seek(target)
                if doc != target {
                    target = doc
                    continue outer
                }
            }
            chains.removeAll(keepingCapacity: true)
            for p in pieceSources.indices {
                // The piece's occurrences in this doc: (start, end) pairs.
                var occurrences: [(UInt32, UInt32)] = []
                if pieceLengths[p].isEmpty {
                    let sources = pieceSources[p]
                    if sources.isEmpty { continue }
                    try pieceSources[p][0].positions(target, into: &lists)
                    starts = lists.compactMap { $0 >= sources[0].offset ? $0 - sources[0].offset : nil }
                    for k in sources.indices.dropFirst() where !starts.isEmpty {
                        try pieceSources[p][k].positions(target, into: &other)
                        Self.keepAligned(&starts, other, offset: sources[k].offset)
                    }
                    occurrences = starts.map { ($0, $0 + textLengths[p]) }
                } else {
                    for c in pieceSources[p][0].cursors.indices where pieceSources[p][0].cursors[c].doc == target {
                        lists.removeAll(keepingCapacity: true)
                        try pieceSources[p][0].cursors[c].positions(into: &lists)
                        occurrences.append(contentsOf: lists.map { ($0, $0 + pieceLengths[p][c]) })
                    }
                }
                if p == 0 {
                    chains = occurrences.map { (start: $0.0, end: $0.1) }
                } else {
                    var byStart: [UInt32: [UInt32]] = [:]
                    for (s, e) in occurrences { byStart[s, default: []].append(e) }
                    chains = chains.flatMap { chain in (byStart[chain.end] ?? []).map { (start: chain.start, end: $0) } }
                }
                if chains.isEmpty { break }
            }
            let matchStarts = Set(chains.map(\.start))
            if !matchStarts.isEmpty {
                result.docs.append(target)
                result.frequencies.append(UInt32(matchStarts.count))
                result.aligned.append(0)
                if collectStarts { result.starts.append(Array(matchStarts.sorted().prefix(Self.maxStarts))) }
            }
            target += 1
            let (p0, s0) = flat[0]
            if try pieceSources[p0][s0].seek(target) != target { target = pieceSources[p0][s0].doc }
        }
        return result
    }

    /// Literal and number-aware matches together: a doc's count is the larger of the two, its
    /// word-aligned count the literal one.
    static func union(_ literal: FieldMatches, _ numbers: FieldMatches) -> FieldMatches {
        var out = FieldMatches(field: literal.field)
        out.alignmentPending = literal.alignmentPending
        let withStarts = !literal.starts.isEmpty || !numbers.starts.isEmpty
        func starts(_ m: FieldMatches, _ i: Int) -> [UInt32] { i < m.starts.count ? m.starts[i] : [] }
        var i = 0, j = 0
        while i < literal.docs.count || j < numbers.docs.count {
            if j == numbers.docs.count || (i < literal.docs.count && literal.docs[i] < numbers.docs[j]) {
                out.docs.append(literal.docs[i]); out.frequencies.append(literal.frequencies[i]); out.aligned.append(literal.aligned[i])
                if withStarts { out.starts.append(starts(literal, i)) }
                i += 1
            } else if i == literal.docs.count || numbers.docs[j] < literal.docs[i] {
                out.docs.append(numbers.docs[j]); out.frequencies.append(numbers.frequencies[j]); out.aligned.append(0)
                if withStarts { out.starts.append(starts(numbers, j)) }
                j += 1
            } else {
                out.docs.append(literal.docs[i])
                out.frequencies.append(max(literal.frequencies[i], numbers.frequencies[j]))
                out.aligned.append(literal.aligned[i])
                if withStarts { out.starts.append(Array(Set(starts(literal, i) + starts(numbers, j)).sorted().prefix(TermMatcher.maxStarts))) }
                i += 1; j += 1
            }
        }
        return out
    }
}
