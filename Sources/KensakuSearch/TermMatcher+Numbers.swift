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
        sources.reserveCapacity(grams.count)
        var runStart = 0
        for (i, gram) in grams.enumerated() where isOneCharacter(gram, piece) || i == grams.count - 1 {
            let run = Array(grams[runStart...i])
            runStart = i + 1
            if run.count == 1 {
                // Reserved: appending hundreds of 200-byte cursors one by one regrows and
                // copies the array again and again (税: 15% of its instructions).
                let found = try terms(withPrefix: key(run[0]))
                var cursors: [PostingsCursor] = []
                cursors.reserveCapacity(found.count)
                var total = 0
                for (_, info) in found {
                    cursors.append(try cursor(info))
                    total += info.totalFreq
                }
                if cursors.isEmpty { return nil }
                sources.append(Source(offset: UInt32(run[0].start), cursors: cursors, totalFreq: total))
                continue
            }
            let bigrams = run.dropLast()
            var infos: [TermInfo] = []
            infos.reserveCapacity(bigrams.count)
            for gram in bigrams {
                guard let info = try index.lookup(key(gram)) else { return nil }
                infos.append(info)
            }
            // Trigram j spans characters j ..< j + 3: bigram j's start to bigram j + 1's end.
            var trigrams: [TermInfo?] = []
            if index.trigramsWhole {
                trigrams.reserveCapacity(bigrams.count - 1)
                for j in 0..<(bigrams.count - 1) {
                    let start = Int(bigrams[bigrams.startIndex + j].start), end = Int(bigrams[bigrams.startIndex + j + 1].end)
                    guard piece[start..<end].withUnsafeBufferPointer(Trigrams.isIndexed) else {
                        trigrams.append(nil)
                        continue
                    }
                    // An indexed trigram that the dictionary lacks is nowhere in the field: nor is the term.
                    let trigramKey = piece[start..<end].withUnsafeBufferPointer { TermKey.make(field: field, kind: .trigram, utf16: $0) }
                    guard let info = try index.lookup(trigramKey) else { return nil }
                    trigrams.append(info)
                }
            }
            for gram in Self.coveringGrams(bigrams: infos, trigrams: trigrams) {
                let info = gram.length == 3 ? trigrams[gram.index]! : infos[gram.index]
                sources.append(Source(offset: UInt32(bigrams[bigrams.startIndex + gram.index].start),
                                      cursors: [try cursor(info)], totalFreq: info.totalFreq))
            }
        }
        return sources
    }

    /// The dictionary entries of the bigrams that find a one-character text piece `c` next to
    /// a number: `c` + a character the number can start with (`before`), or a character it can
    /// end with + `c` (after; their positions are one before `c`'s), of `allowed`
    /// (``JapaneseNumbers/startCharacters(value:)`` or ``JapaneseNumbers/endCharacters(value:)``).
    /// Exact: a number next to `c` makes one of these bigrams.
    func adjacentTerms(_ c: UInt16, field: Int, before: Bool, allowed: Set<UInt16>) throws(IndexError) -> [TermInfo] {
        var infos: [TermInfo] = []
        if before {
            let prefix = [c].withUnsafeBufferPointer { TermKey.make(field: field, kind: .gram, utf16: $0) }
            for (key, info) in try terms(withPrefix: prefix) {
                let second = Array(String(decoding: key.dropFirst(prefix.count), as: UTF8.self).utf16)
                if second.count == 1 && allowed.contains(second[0]) { infos.append(info) }
            }
        } else {
            for x in allowed.sorted() {
                let key = [x, c].withUnsafeBufferPointer { TermKey.make(field: field, kind: .gram, utf16: $0) }
                if let info = try index.lookup(key) { infos.append(info) }
            }
        }
        return infos
    }

    /// Whether every match of the term's literal text is a number-aware match too, with at
    /// least as many occurrences in each doc: when each of its number pieces is a number that
    /// every occurrence of the text makes (``enclosedNumbers(_:from:to:)``: the same value and
    /// length at the same offset), and its text pieces are the text between them. Then the
    /// literal match adds no doc and no occurrence to the number-aware one (their union takes
    /// the larger count), only word alignment, which a search with alignment pending counts
    /// later for the docs that can reach its top k.
    static func numberAwareCoversLiteral(_ pieces: NumberPieces, _ analyzed: AnalyzedText) -> Bool {
        guard let first = analyzed.grams.first, let last = analyzed.grams.last else { return false }
        let enclosed = enclosedNumbers(analyzed, from: Int(first.start), to: Int(last.end))
        return pieces.numbers.allSatisfy { number in enclosed.contains { $0.start == number.start && $0.end == number.end } }
    }

    /// The cursors of a number-aware match (see ``match(_:field:within:range:)``).
    struct NumberPlan {
        /// Per piece: its sources (text), or one source over every written form (number).
        var pieceSources: [[Source]]
        /// Per number piece, the written length of each of its cursors' forms; empty for text.
        var pieceLengths: [[UInt32]]
        var textLengths: [UInt32]
        /// Added to a text piece's positions: 1 where its source is the bigram ending on it.
        var shifts: [UInt32]
        /// Every (piece, source), for the leapfrog.
        var flat: [(Int, Int)]
        /// The first number piece: chains grow from it.
        var anchor: Int
    }

    /// Matches a term cut at its numbers: each number piece matches any written form of its
    /// value (through the `value#length` number terms), each text piece its exact text, and the
    /// pieces must follow each other without gaps.
    /// With `range` (not with `within`), only docs in that range.
    func match(_ pieces: NumberPieces, field: Int, within: [UInt32]? = nil, range: Range<UInt32>? = nil) throws(IndexError) -> FieldMatches {
        guard var plan = try numberPlan(pieces, field: field) else { return FieldMatches(field: field) }
        return try match(&plan, field: field, within: within, range: range)
    }

    /// Where to cut the doc ids so that two threads can each match half of the docs that hold
    /// the anchor number (the middle of its longest postings list); nil below
    /// `minimumCandidates` docs (see ``splitDoc(_:minimumCandidates:)``).
    static func splitDoc(_ plan: NumberPlan, minimumCandidates: Int) throws(IndexError) -> UInt32? {
        try plan.pieceSources[plan.anchor][0].splitDoc(minimumCandidates: minimumCandidates)
    }

    /// Opens the cursors of every piece; nil when some piece cannot match in `field`.
    func numberPlan(_ pieces: NumberPieces, field: Int) throws(IndexError) -> NumberPlan? {
        // Per piece: its sources (text), or one source over every written form and their lengths (number).
        var pieceSources: [[Source]] = []
        var pieceLengths: [[UInt32]] = []
        var textLengths: [UInt32] = []
        // Added to a text piece's positions: 1 where its source is the bigram ending on it.
        var shifts: [UInt32] = []
        var adjacentCache: [String: [TermInfo]] = [:]
        for (p, piece) in pieces.pieces.enumerated() {
            switch piece {
            case .text(let units):
                let sources: [Source]?
                var shift: UInt32 = 0
                func isNumber(_ k: Int) -> Bool {
                    guard pieces.pieces.indices.contains(k), case .number = pieces.pieces[k] else { return false }
                    return true
                }
                if units.count == 1 && (isNumber(p + 1) || isNumber(p - 1)) {
                    // One character before a number (第 in 第二十五条): only the bigrams of it
                    // and a character a number starts with, not every bigram it starts. After
                    // one (条, 年): the bigrams of a character a number ends with and it, one
                    // position before it. (Looked up once a query for a repeated piece.)
                    // Only the characters a number of this value can start or end with: for 第25条,
                    // 第2 第二 第弐 … and 5条 五条 …, not 第一 or 三条 (most of the work).
                    let before = isNumber(p + 1)
                    guard case .number(let value) = pieces.pieces[before ? p + 1 : p - 1] else { return nil }
                    let cacheKey = "\(units[0]) \(before) \(value)"
                    let infos: [TermInfo]
                    if let known = adjacentCache[cacheKey] {
                        infos = known
                    } else {
                        let allowed = before ? JapaneseNumbers.startCharacters(value: value) : JapaneseNumbers.endCharacters(value: value)
                        infos = try adjacentTerms(units[0], field: field, before: before, allowed: allowed)
                        adjacentCache[cacheKey] = infos
                    }
                    var cursors: [PostingsCursor] = []
                    cursors.reserveCapacity(infos.count)
                    for info in infos { cursors.append(try cursor(info)) }
                    sources = cursors.isEmpty ? nil : [Source(offset: 0, cursors: cursors, totalFreq: infos.reduce(0) { $0 + $1.totalFreq })]
                    shift = before ? 0 : 1
                } else {
                    sources = try textSources(units, field: field)
                }
                guard let sources else { return nil }
                pieceSources.append(sources)
                pieceLengths.append([])
                textLengths.append(UInt32(units.count))
                shifts.append(shift)
            case .number(let value):
                let prefix = TermKey.make(field: field, kind: .number, term: value + "#")
                let found = try terms(withPrefix: prefix)
                var cursors: [PostingsCursor] = []
                cursors.reserveCapacity(found.count)
                var lengths: [UInt32] = []
                var total = 0
                for (key, info) in found {
                    guard let length = UInt32(String(decoding: key.dropFirst(prefix.count), as: UTF8.self)) else { continue }
                    cursors.append(try cursor(info))
                    lengths.append(length)
                    total += info.totalFreq
                }
                if cursors.isEmpty { return nil }
                pieceSources.append([Source(offset: 0, cursors: cursors, totalFreq: total)])
                pieceLengths.append(lengths)
                textLengths.append(0)
                shifts.append(0)
            }
        }
        let flat = pieceSources.indices.flatMap { p in pieceSources[p].indices.map { (p, $0) } }
        guard !flat.isEmpty else { return nil }
        // The chains grow from the first number piece (the most selective), to the right and
        // then to the left; text pieces are only checked at the places a chain needs them.
        guard let anchor = pieceLengths.firstIndex(where: { !$0.isEmpty }) else { return nil }
        return NumberPlan(pieceSources: pieceSources, pieceLengths: pieceLengths, textLengths: textLengths, shifts: shifts,
                          flat: flat, anchor: anchor)
    }

    /// Runs a number plan (its cursors are used up); with `range` (not with `within`), only
    /// over the docs in that range.
    func match(_ plan: inout NumberPlan, field: Int, within: [UInt32]? = nil, range: Range<UInt32>? = nil) throws(IndexError) -> FieldMatches {
        var result = FieldMatches(field: field)
        let pieceLengths = plan.pieceLengths, textLengths = plan.textLengths, shifts = plan.shifts
        let flat = plan.flat, anchor = plan.anchor
        // The sources are walked in place (a copy would copy their cursors' buffers).
        var pieceSources = plan.pieceSources
        plan.pieceSources = []
        defer { plan.pieceSources = pieceSources }
        var scratch = NumberChainScratch()
        var target = max(flat.map { pieceSources[$0.0][$0.1].doc }.max() ?? PostingsCursor.exhausted, range?.lowerBound ?? 0)
        // Exhausted is UInt32.max: without a range, `target < upper` is `target != exhausted`.
        let upper = range?.upperBound ?? PostingsCursor.exhausted
        var next = 0  // into `within`
        // Per-doc buffers, kept from doc to doc.
        var chains: [(start: UInt32, end: UInt32)] = []
        var joined: [(start: UInt32, end: UInt32)] = []
        var starts: [UInt32] = []
        outer: while target < upper {
            if let within, !Self.advance(&target, within: within, next: &next) { break }
            for (p, s) in flat {
                let doc = try pieceSources[p][s].seek(target)
                if doc != target {
                    target = doc
                    continue outer
                }
            }
            chains.removeAll(keepingCapacity: true)
            try Self.numberOccurrences(&pieceSources[anchor][0], lengths: pieceLengths[anchor], doc: target, &scratch)
            for (start, end) in scratch.occurrences { chains.append((start, end)) }
            for p in pieceSources.indices.dropFirst(anchor + 1) where !chains.isEmpty {
                if pieceLengths[p].isEmpty {
                    // Text: it must start where the chain ends.
                    // (Usually sorted already: one written length, one cursor.)
                    if !Self.isSorted(chains, by: { $0.end }) { chains.sort { $0.end < $1.end } }
                    scratch.required.removeAll(keepingCapacity: true)
                    for chain in chains { scratch.required.append(chain.end) }
                    try Self.keepTextStarts(&pieceSources[p], shift: shifts[p], doc: target, &scratch)
                    Self.extend(chains, kept: scratch.required, key: { $0.end }, step: { ($0.start, $0.end + textLengths[p]) }, into: &joined)
                    swap(&chains, &joined)
                } else {
                    try Self.numberOccurrences(&pieceSources[p][0], lengths: pieceLengths[p], doc: target, &scratch)
                    joined.removeAll(keepingCapacity: true)
                    for chain in chains {
                        for (start, end) in scratch.occurrences where start == chain.end { joined.append((chain.start, end)) }
                    }
                    swap(&chains, &joined)
                }
            }
            for p in pieceSources.indices.prefix(anchor).reversed() where !chains.isEmpty {
                if pieceLengths[p].isEmpty {
                    // Text: it must end where the chain starts.
                    let length = textLengths[p]
                    chains.removeAll { $0.start < length }
                    if !Self.isSorted(chains, by: { $0.start }) { chains.sort { $0.start < $1.start } }
                    scratch.required.removeAll(keepingCapacity: true)
                    for chain in chains { scratch.required.append(chain.start - length) }
                    try Self.keepTextStarts(&pieceSources[p], shift: shifts[p], doc: target, &scratch)
                    Self.extend(chains, kept: scratch.required, key: { $0.start - length }, step: { ($0.start - length, $0.end) }, into: &joined)
                    swap(&chains, &joined)
                } else {
                    try Self.numberOccurrences(&pieceSources[p][0], lengths: pieceLengths[p], doc: target, &scratch)
                    joined.removeAll(keepingCapacity: true)
                    for chain in chains {
                        for (start, end) in scratch.occurrences where end == chain.start { joined.append((start, chain.end)) }
                    }
                    swap(&chains, &joined)
                }
            }
            if !chains.isEmpty {
                // Distinct match starts (several number lengths can make several chains).
                starts.removeAll(keepingCapacity: true)
                for chain in chains { starts.append(chain.start) }
                if !Self.isSorted(starts, by: { $0 }) { starts.sort() }
                Self.keepDistinct(&starts)
                result.docs.append(target)
                result.frequencies.append(UInt32(starts.count))
                result.aligned.append(0)
                if collectStarts { result.starts.append(Array(starts.prefix(Self.maxStarts))) }
            }
            target += 1
            let (p0, s0) = flat[0]
            if try pieceSources[p0][s0].seek(target) != target { target = pieceSources[p0][s0].doc }
        }
        return result
    }

    /// Buffers reused from doc to doc by the number-aware match.
    struct NumberChainScratch {
        var occurrences: [(UInt32, UInt32)] = []
        /// Starts a text piece must have (increasing; duplicates allowed); ``keepTextStarts``
        /// leaves those it has.
        var required: [UInt32] = []
        var positions: [UInt32] = []
        var found: [UInt32] = []
        /// Indices of the cursors on the current doc.
        var here: [Int] = []
    }

    /// The occurrences of a number piece in `doc` into `scratch.occurrences`: (start, end) by
    /// start, one cursor a written length.
    static func numberOccurrences(_ source: inout Source, lengths: [UInt32], doc: UInt32, _ scratch: inout NumberChainScratch) throws(IndexError) {
        scratch.occurrences.removeAll(keepingCapacity: true)
        for c in source.cursors.indices where source.cursors[c].doc == doc {
            scratch.positions.removeAll(keepingCapacity: true)
            try source.cursors[c].positions(into: &scratch.positions)
            for start in scratch.positions { scratch.occurrences.append((start, start + lengths[c])) }
        }
        if source.cursors.count > 1 && !isSorted(scratch.occurrences, by: { $0.0 }) { scratch.occurrences.sort { $0.0 < $1.0 } }
    }

    /// Keeps the distinct values ≥ `minimum` of increasing `values`, in order. - Complexity: O(n).
    static func keepDistinct(_ values: inout [UInt32], atLeast minimum: UInt32 = 0) {
        // In place through one buffer (indexing the array checked its uniqueness on every write).
        let distinct = values.withUnsafeMutableBufferPointer { v in
            var distinct = 0
            for i in v.indices where v[i] >= minimum && (distinct == 0 || v[i] != v[distinct - 1]) {
                v[distinct] = v[i]
                distinct += 1
            }
            return distinct
        }
        values.removeLast(values.count - distinct)
    }

    /// Keeps the starts of `scratch.required` where a text piece occurs in `doc`: every one of
    /// its sources at its offset (a source of several cursors: in any of them), `shift` before.
    static func keepTextStarts(_ sources: inout [Source], shift: UInt32, doc: UInt32, _ scratch: inout NumberChainScratch) throws(IndexError) {
        // Distinct starts (keepAligned's merge keeps one of equal starts), none before `shift`.
        keepDistinct(&scratch.required, atLeast: shift)
        for k in sources.indices where !scratch.required.isEmpty {
            // Position of the source for a start s: s + offset − shift (wrapping: s ≥ shift).
            let offset = sources[k].offset &- shift
            if sources[k].cursors.count == 1 {
                scratch.positions.removeAll(keepingCapacity: true)
                try sources[k].cursors[0].positions(into: &scratch.positions)
                keepAligned(&scratch.required, scratch.positions, offset: offset)
                continue
            }
            // Several cursors (a character next to a number): the starts any of them has. (No two
            // grams start at one position, so the cursors find disjoint sets of starts.)
            scratch.found.removeAll(keepingCapacity: true)
            // The cursors on `doc` (often a few of hundreds), found by a read-only scan.
            scratch.here.removeAll(keepingCapacity: true)
            sources[k].cursors.withUnsafeBufferPointer { cursors in
                for c in cursors.indices where cursors[c].doc == doc { scratch.here.append(c) }
            }
            for c in scratch.here {
                let n = try sources[k].cursors[c].positions(into: &scratch.positions, at: 0)
                Self.appendAligned(scratch.required, scratch.positions, count: n, offset: offset, into: &scratch.found)
            }
            if !isSorted(scratch.found, by: { $0 }) { scratch.found.sort() }
            swap(&scratch.required, &scratch.found)
        }
    }

    /// Appends to `found` the starts `s` of `starts` (increasing, distinct) for which
    /// `s + offset` is among the first `count` of `positions` (increasing), leaving `starts` as
    /// it is. - Complexity: O(starts + count).
    static func appendAligned(_ starts: [UInt32], _ positions: [UInt32], count: Int, offset: UInt32, into found: inout [UInt32]) {
        starts.withUnsafeBufferPointer { s in
            positions.withUnsafeBufferPointer { p in
                var i = 0, j = 0
                while i < s.count && j < count {
                    let a = s[i] &+ offset
                    let b = p[j]
                    if a < b {
                        i += 1
                    } else if b < a {
                        j += 1
                    } else {
                        found.append(s[i])
                        i += 1
                        j += 1
                    }
                }
            }
        }
    }

    /// Whether `values` are in increasing order of `key` (ties allowed). - Complexity: O(n),
    /// against a sort's O(n log n) and closure calls for lists that are nearly always sorted.
    @inline(__always)
    static func isSorted<T>(_ values: [T], by key: (T) -> UInt32) -> Bool {
        values.withUnsafeBufferPointer { v in
            var i = 1
            while i < v.count {
                if key(v[i]) < key(v[i - 1]) { return false }
                i += 1
            }
            return true
        }
    }

    /// The chains (sorted by `key`) whose `key` is in `kept` (increasing), each changed by `step`,
    /// into `out` (emptied first, its capacity kept from doc to doc).
    @inline(__always)
    static func extend(_ chains: [(start: UInt32, end: UInt32)], kept: [UInt32], key: ((start: UInt32, end: UInt32)) -> UInt32,
                       step: ((start: UInt32, end: UInt32)) -> (UInt32, UInt32), into out: inout [(start: UInt32, end: UInt32)]) {
        out.removeAll(keepingCapacity: true)
        var j = 0
        for chain in chains {
            let k = key(chain)
            while j < kept.count && kept[j] < k { j += 1 }
            if j < kept.count && kept[j] == k {
                let (start, end) = step(chain)
                out.append((start, end))
            }
        }
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
