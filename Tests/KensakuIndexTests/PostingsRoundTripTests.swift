import KensakuTestSupport
import Foundation
@testable import KensakuIndex
import Testing

/// Random postings encoded with `PostingsEncoder` and read back with `PostingsCursor`.
@Suite("Postings round trip")
struct PostingsRoundTripTests {
    /// How the term frequencies and the position gaps are drawn.
    enum Shape: String, CaseIterable, CustomTestStringConvertible {
        /// tf 1...300, gaps 1...3 (dense: narrow blocks).
        case tinyGaps
        /// tf 1...300, gaps up to 200 000 from a first position up to 1 000 000.
        case bigGaps
        /// Mostly tf 1...3 with a few up to 300; a large first position, then gaps 1...3 (the
        /// first delta of each doc is an exception).
        case bigFirstTinyRest
        /// tf 1...300; first positions up to 3·2³⁰, gaps up to 2²⁰ (widths up to 32 bits).
        case huge
        /// tf 1...300, geometric gaps (mean 40), as in text: many exceptions, so that blocks
        /// map them rather than list them.
        case geometricGaps
        /// tf 8...40, a first position up to 5 000, gaps 1...3: a few docs a position block,
        /// each read by decoding only its rows, with a few listed exceptions (first deltas).
        case shortDocs
        /// tf 1...12, geometric gaps (mean 40): a dozen docs a position block, read row by
        /// row, with mapped exceptions.
        case shortGeometric

        var testDescription: String { rawValue }
    }

    struct Postings {
        var documentCount: Int
        var docs: [UInt32] = []
        var freqs: [UInt32] = []
        var positions: [UInt32] = []
        /// Index in `positions` of each doc's first position.
        var starts: [Int] = []
        var lengths: [UInt32] = []

        func positions(ofDocAt i: Int) -> ArraySlice<UInt32> { positions[starts[i]..<(starts[i] + Int(freqs[i]))] }

        /// The index of the first doc ≥ `target`, or `docs.count`.
        func firstIndex(atLeast target: UInt32) -> Int {
            var lo = 0, hi = docs.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if docs[mid] < target { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    static func makePostings(docCount: Int, shape: Shape, seed: UInt64) -> Postings {
        var g = SeededGenerator(seed: seed &* 1_000_003 &+ UInt64(docCount))
        // Doc ids: a random subset of 0..<documentCount, sometimes with large gaps.
        let documentCount = docCount * Int.random(in: 1...4, using: &g) + Int.random(in: 0...3, using: &g)
        var ids = Array(0..<UInt32(documentCount))
        ids.shuffle(using: &g)
        var p = Postings(documentCount: documentCount)
        p.docs = Array(ids.prefix(docCount)).sorted()
        p.lengths = (0..<documentCount).map { _ in UInt32.random(in: 1...100_000, using: &g) }
        for _ in 0..<docCount {
            let tf: Int
            switch shape {
            case .bigFirstTinyRest: tf = Int.random(in: 0..<10, using: &g) == 0 ? Int.random(in: 1...300, using: &g) : Int.random(in: 1...3, using: &g)
            case .shortDocs: tf = Int.random(in: 8...40, using: &g)
            case .shortGeometric: tf = Int.random(in: 1...12, using: &g)
            default: tf = Int.random(in: 1...300, using: &g)
            }
            p.freqs.append(UInt32(tf))
            p.starts.append(p.positions.count)
            var position: UInt32
            switch shape {
            case .tinyGaps: position = UInt32.random(in: 0...3, using: &g)
            case .bigGaps: position = UInt32.random(in: 0...1_000_000, using: &g)
            case .bigFirstTinyRest: position = UInt32.random(in: 0...2_000_000, using: &g)
            case .huge: position = UInt32.random(in: 0...(3 << 30), using: &g)
            case .geometricGaps, .shortGeometric: position = UInt32.random(in: 0...100_000, using: &g)
            case .shortDocs: position = UInt32.random(in: 0...5_000, using: &g)
            }
            for k in 0..<tf {
                if k > 0 {
                    switch shape {
                    case .tinyGaps, .bigFirstTinyRest, .shortDocs: position += UInt32.random(in: 1...3, using: &g)
                    case .bigGaps: position += UInt32.random(in: 1...200_000, using: &g)
                    case .huge: position += UInt32.random(in: 1...(1 << 20), using: &g)
                    case .geometricGaps, .shortGeometric: position += 1 + UInt32(-40 * log(Double.random(in: Double.ulpOfOne..<1, using: &g)))
                    }
                }
                p.positions.append(position)
            }
        }
        return p
    }

    static func encode(_ p: Postings) -> [UInt8] {
        var encoder = PostingsEncoder()
        var out: [UInt8] = []
        p.lengths.withUnsafeBufferPointer { encoder.encode(docs: p.docs, freqs: p.freqs, positions: p.positions, lengths: $0, into: &out) }
        return out
    }

    /// Runs `body` on a cursor over the encoded postings, placed between junk bytes so that the
    /// cursor must keep to its slice.
    static func withCursor<R>(_ p: Postings, _ body: (inout PostingsCursor) throws -> R) throws -> R {
        let encoded = encode(p)
        let buffer = [UInt8](repeating: 0xA5, count: 37) + encoded + [UInt8](repeating: 0xFF, count: 11)
        return try buffer.withUnsafeBytes { raw in
            let slice = UnsafeRawBufferPointer(rebasing: raw[37..<(37 + encoded.count)])
            var cursor = try PostingsCursor(slice, docFreq: p.docs.count, totalFreq: p.positions.count, file: "test", fileOffset: 0, documentCount: p.documentCount)
            return try body(&cursor)
        }
    }

    static let docCounts = [1, 127, 128, 129, 1000, 5000]

    @Test("rewind() starts over as a new cursor would, wherever the cursor stopped", arguments: docCounts, Shape.allCases)
    func rewindStartsOver(docCount: Int, shape: Shape) throws {
        let p = Self.makePostings(docCount: docCount, shape: shape, seed: 5)
        var g = SeededGenerator(seed: UInt64(docCount) &+ 17)
        try Self.withCursor(p) { cursor in
            for round in 0..<4 {
                // Seek to a few docs (reading positions of some), then rewind; the last round
                // runs the cursor out first.
                var target: UInt32 = 0
                for _ in 0..<3 where round < 3 {
                    target += UInt32.random(in: 0...UInt32(p.documentCount / 3 + 1), using: &g)
                    try cursor.seek(target)
                    if cursor.doc != PostingsCursor.exhausted {
                        var positions: [UInt32] = []
                        try cursor.positions(into: &positions)
                        #expect(positions[...] == p.positions(ofDocAt: p.firstIndex(atLeast: target)))
                    }
                }
                if round == 3 { while cursor.doc != PostingsCursor.exhausted { try cursor.next() } }
                try cursor.rewind()
                // Then every doc again, with positions, from the start.
                var positions: [UInt32] = []
                for i in 0..<docCount {
                    #expect(cursor.doc == p.docs[i])
                    #expect(cursor.frequency == Int(p.freqs[i]))
                    if i % 3 == round % 3 {
                        positions.removeAll()
                        try cursor.positions(into: &positions)
                        #expect(positions[...] == p.positions(ofDocAt: i), "round \(round), doc \(i)")
                    }
                    try cursor.next()
                }
                #expect(cursor.doc == PostingsCursor.exhausted)
                try cursor.rewind()
                #expect(cursor.doc == p.docs[0])
            }
        }
    }

    @Test("next() visits every doc with its frequency and positions", arguments: docCounts, Shape.allCases)
    func nextReadsEverything(docCount: Int, shape: Shape) throws {
        let p = Self.makePostings(docCount: docCount, shape: shape, seed: 1)
        try Self.withCursor(p) { cursor in
            #expect(cursor.docFreq == docCount)
            var positions: [UInt32] = []
            for i in 0..<docCount {
                #expect(cursor.doc == p.docs[i])
                #expect(cursor.frequency == Int(p.freqs[i]))
                let bounds = try cursor.blockBounds()
                #expect(bounds.lastDoc >= cursor.doc)
                #expect(bounds.maxFrequency >= UInt32(cursor.frequency))
                #expect(bounds.minLength <= p.lengths[Int(cursor.doc)])
                positions.removeAll()
                try cursor.positions(into: &positions)
                #expect(positions[...] == p.positions(ofDocAt: i), "doc \(i)")
                try cursor.next()
            }
            #expect(cursor.doc == PostingsCursor.exhausted)
            #expect(try cursor.next() == PostingsCursor.exhausted)
        }
    }

    @Test("drain(below:) appends what next() would visit below a bound, and leaves the cursor on the first doc past it",
          arguments: docCounts, [0.0, 0.1, 0.5, 1.0])
    func drainBelowBound(docCount: Int, fraction: Double) throws {
        let p = Self.makePostings(docCount: docCount, shape: .shortGeometric, seed: 7)
        var g = SeededGenerator(seed: UInt64(docCount))
        // A start somewhere in the list, and a bound a fraction of the way from it to the end.
        let from = Int.random(in: 0..<docCount, using: &g)
        let upperIndex = from + Int(Double(docCount - from) * fraction)
        let upper = upperIndex < docCount ? p.docs[upperIndex] : PostingsCursor.exhausted
        try Self.withCursor(p) { cursor in
            try cursor.seek(p.docs[from])
            var docs: [UInt32] = [42], freqs: [UInt32] = [7]
            try cursor.drain(below: upper, docs: &docs, frequencies: &freqs)
            #expect(docs == [42] + p.docs[from..<upperIndex])
            #expect(freqs == [7] + p.freqs[from..<upperIndex])
            #expect(cursor.doc == upper)
            if upperIndex < docCount {
                // Still usable: frequency and positions of the doc it stopped on.
                #expect(cursor.frequency == Int(p.freqs[upperIndex]))
                var positions: [UInt32] = []
                try cursor.positions(into: &positions)
                #expect(positions[...] == p.positions(ofDocAt: upperIndex))
            }
        }
    }

    @Test("drainFirstPositions(below:) appends each doc's first position, as firstPosition() and positions(into:) read it",
          arguments: docCounts, [0.0, 0.5, 1.0])
    func drainFirstPositions(docCount: Int, fraction: Double) throws {
        let p = Self.makePostings(docCount: docCount, shape: .shortGeometric, seed: 11)
        var g = SeededGenerator(seed: UInt64(docCount) &+ 5)
        let from = Int.random(in: 0..<docCount, using: &g)
        let upperIndex = from + Int(Double(docCount - from) * fraction)
        let upper = upperIndex < docCount ? p.docs[upperIndex] : PostingsCursor.exhausted
        let firsts = (0..<docCount).map { p.positions(ofDocAt: $0).first! }
        try Self.withCursor(p) { cursor in
            try cursor.seek(p.docs[from])
            #expect(try cursor.firstPosition() == firsts[from])
            var docs: [UInt32] = [], found: [UInt32] = []
            try cursor.drainFirstPositions(below: upper, docs: &docs, firsts: &found)
            #expect(docs[...] == p.docs[from..<upperIndex])
            #expect(found[...] == firsts[from..<upperIndex])
            #expect(cursor.doc == upper)
            #expect(try cursor.firstPosition() == (upperIndex < docCount ? firsts[upperIndex] : 0))
        }
    }

    @Test("middleDoc() cuts the docs into two parts of about equal size", arguments: docCounts + [2, 3, 257, 300])
    func middleDoc(docCount: Int) throws {
        let p = Self.makePostings(docCount: docCount, shape: .geometricGaps, seed: 9)
        try Self.withCursor(p) { cursor in
            let middle = try cursor.middleDoc()
            guard docCount > 1 else {
                #expect(middle == nil)
                return
            }
            let middleDoc = try #require(middle)
            let below = p.docs.filter { $0 < middleDoc }.count
            // Both parts are non-empty, and the cut is within a block (128 docs) of the middle.
            #expect(below > 0 && below < docCount, "\(below) of \(docCount) below \(middleDoc)")
            #expect(abs(below - docCount / 2) <= 128, "\(below) of \(docCount) below \(middleDoc)")
            // It reads no more than it was given: the cursor has not moved.
            #expect(cursor.doc == p.docs[0])
        }
    }

    @Test("keepStarts(_:offset:) keeps the starts that line up with a position, as a filter over them would",
          arguments: docCounts, Shape.allCases)
    func keepStarts(docCount: Int, shape: Shape) throws {
        let p = Self.makePostings(docCount: docCount, shape: shape, seed: 5)
        var g = SeededGenerator(seed: UInt64(docCount) &+ 11)
        try Self.withCursor(p) { cursor in
            for i in 0..<docCount {
                // Starts: some that line up (a position minus the offset), some that do not,
                // one past the last position; sometimes none. Every other doc is skipped, so
                // that the next read starts in the middle of the stream.
                if i % 2 == 1 {
                    try cursor.next()
                    continue
                }
                let positions = Array(p.positions(ofDocAt: i))
                let offset = UInt32.random(in: 0...3, using: &g)
                var starts = Set<UInt32>()
                for q in positions where q >= offset && Bool.random(using: &g) { starts.insert(q - offset) }
                for _ in 0..<Int.random(in: 0...5, using: &g) { starts.insert(UInt32.random(in: 0...(positions.last! &+ 10), using: &g)) }
                if Bool.random(using: &g) { starts.insert(positions.last! &+ 1) }
                let sorted = starts.sorted()
                let wanted = Set(positions)
                let expected = sorted.filter { wanted.contains($0 &+ offset) }
                var buffer = sorted
                let kept = try buffer.withUnsafeMutableBufferPointer { try cursor.keepStarts($0, offset: offset) }
                #expect(Array(buffer[0..<kept]) == expected, "doc \(i)")
                try cursor.next()
            }
        }
    }

    @Test("seek() to random targets lands on the first doc at or after each", arguments: docCounts, Shape.allCases)
    func seekToRandomTargets(docCount: Int, shape: Shape) throws {
        let p = Self.makePostings(docCount: docCount, shape: shape, seed: 2)
        var g = SeededGenerator(seed: UInt64(docCount) &+ 77)
        for _ in 0..<2 {
            try Self.withCursor(p) { cursor in
                var target: UInt32 = 0
                var positions: [UInt32] = []
                while true {
                    // Small and large steps, sometimes exactly onto a doc.
                    let step = Int.random(in: 0..<3, using: &g) == 0 ? UInt32.random(in: 1...UInt32(max(2, p.documentCount / 8)), using: &g)
                                                                      : UInt32.random(in: 1...4, using: &g)
                    target += step
                    var expected = p.firstIndex(atLeast: target)
                    if Bool.random(using: &g), expected < docCount {
                        target = p.docs[expected]
                        expected = p.firstIndex(atLeast: target)
                    }
                    let doc = try cursor.seek(target)
                    guard expected < docCount else {
                        #expect(doc == PostingsCursor.exhausted)
                        break
                    }
                    #expect(doc == p.docs[expected])
                    #expect(cursor.frequency == Int(p.freqs[expected]))
                    if Bool.random(using: &g) {
                        positions.removeAll()
                        try cursor.positions(into: &positions)
                        #expect(positions[...] == p.positions(ofDocAt: expected), "doc \(expected)")
                    }
                    if Int.random(in: 0..<4, using: &g) == 0 {
                        // Interleave next(): the following doc, with its positions.
                        let next = try cursor.next()
                        if expected + 1 == docCount {
                            #expect(next == PostingsCursor.exhausted)
                            break
                        }
                        #expect(next == p.docs[expected + 1])
                        positions.removeAll()
                        try cursor.positions(into: &positions)
                        #expect(positions[...] == p.positions(ofDocAt: expected + 1), "doc \(expected + 1)")
                        target = next
                    }
                }
            }
        }
    }

    @Test("positions(into:) of a random subset of docs (the others skipped)", arguments: docCounts, [0.02, 0.3, 0.9])
    func positionsOfRandomSubset(docCount: Int, fraction: Double) throws {
        for shape in Shape.allCases {
            let p = Self.makePostings(docCount: docCount, shape: shape, seed: 3)
            var g = SeededGenerator(seed: UInt64(docCount) &+ UInt64(fraction * 1000))
            try Self.withCursor(p) { cursor in
                var positions: [UInt32] = []
                for i in 0..<docCount {
                    #expect(cursor.doc == p.docs[i])
                    if Double.random(in: 0..<1, using: &g) < fraction {
                        positions.removeAll()
                        try cursor.positions(into: &positions)
                        #expect(positions[...] == p.positions(ofDocAt: i), "\(shape) doc \(i)")
                        if Int.random(in: 0..<8, using: &g) == 0 {
                            // Reading the same doc again gives the same positions, appended.
                            try cursor.positions(into: &positions)
                            #expect(positions[Int(p.freqs[i])...] == p.positions(ofDocAt: i), "\(shape) doc \(i) again")
                        }
                    }
                    try cursor.next()
                }
                #expect(cursor.doc == PostingsCursor.exhausted)
            }
        }
    }

    @Test("FORMAT.md's first example: one doc, one position, all tail")
    func smallestPostings() throws {
        var p = Postings(documentCount: 1)
        p.docs = [0]
        p.freqs = [1]
        p.starts = [0]
        p.positions = [0]
        p.lengths = [5]
        // Orders 0, 0 and 0, then codes `1`, `1` and `1` (doc delta 0, tf − 1 = 0, first
        // position 0): 18 bits. No position stream: the doc has no position after its first.
        #expect(Self.encode(p) == [0x00, 0x80, 0x03])
        try Self.withCursor(p) { cursor in
            var positions: [UInt32] = []
            try cursor.positions(into: &positions)
            #expect(positions == [0])
            #expect(cursor.frequency == 1)
        }
    }

    @Test("Position blocks: headers first, four-lane low bits, exceptions, Exp-Golomb tail")
    func positionBlockLayout() throws {
        // One doc, 259 positions: 5 (its first, in the doc block), then 258 more whose deltas
        // are 1, 1000, then 126 × 1 (block 0: width 1, one exception: index 1, high bits
        // 1000 >> 1 = 500 in 9 bits); 128 × 2 (block 1: width 2, no exception); 1, 1 (the
        // tail). One doc block: no docsLen.
        let deltas: [UInt32] = [1, 1000] + [UInt32](repeating: 1, count: 126) + [UInt32](repeating: 2, count: 128) + [1, 1]
        var p = Postings(documentCount: 1)
        p.docs = [0]
        p.freqs = [259]
        p.starts = [0]
        var position: UInt32 = 5
        p.positions.append(position)
        for d in deltas {
            position += d
            p.positions.append(position)
        }
        p.lengths = [2000]
        // TailBlock, low bits first: orders 0, 7 and 1 (5 bits each); doc delta 0 at order 0
        // (`1`); tf − 1 = 258 at order 7: q = 258 >> 7 + 1 = 3, so `0`, `1`, q's low bit `1`,
        // then 258's low 7 bits (0100000, low first); first position 5 at order 1: q = 3, so
        // `0`, `1`, `1`, then 5's low bit `1`. 30 bits.
        var expected: [UInt8] = [0xE0, 0x84, 0x16, 0x38]
        expected += [0x01, 0x01, 0x09, 0x02, 0x00, 0x00]  // PosHeader × 2: (1, 1, 9), (2, 0, 0)
        // Block 0, lanes(low bits, 1): lane k holds values k, k+4, …; only value 1 (lane 1,
        // row 0) has low bit 0. Then the exception: index 1, 500 in 9 bits.
        expected += [0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0xFF, count: 8)
        expected += [0x01, 0xF4, 0x01]
        expected += [UInt8](repeating: 0xAA, count: 32)  // block 1: 2-bit 0b10 × 128
        expected += [0xE1, 0x01]  // PosTail: order 1, then 1 and 1 as a one and their low bit (1, 1)
        #expect(Self.encode(p) == expected)
        try Self.withCursor(p) { cursor in
            var positions: [UInt32] = []
            try cursor.positions(into: &positions)
            #expect(positions == p.positions)
        }
    }

    @Test("More than 16 exceptions: a 128-bit map says where they are")
    func exceptionMap() throws {
        // A first position 0, then 128 deltas: 1000 at every 6th index (22 exceptions), 1
        // elsewhere → width 1, high bits 9, the map, then 22 × 9 bits.
        let exceptions = Array(stride(from: 0, to: 128, by: 6))
        var p = Postings(documentCount: 1)
        p.docs = [0]
        p.freqs = [129]
        p.starts = [0]
        var position: UInt32 = 0
        p.positions.append(position)
        for i in 0..<128 {
            position += exceptions.contains(i) ? 1000 : 1
            p.positions.append(position)
        }
        p.lengths = [200_000]
        let bytes = Self.encode(p)
        // TailBlock (orders 0, 6 and 0; doc delta 0 as `1`; tf − 1 = 128 at order 6, where q
        // = 3: `0`, `1`, `1` and 6 zero bits (order 8 ties: the lower is taken); first
        // position 0 as `1`: 26 bits), then the position block's header.
        #expect(Array(bytes[0..<4]) == [0xC0, 0x80, 0x06, 0x02])
        #expect(Array(bytes[4..<7]) == [0x01, 22, 0x09])
        var map = [UInt8](repeating: 0, count: 16)
        for i in exceptions { map[i / 8] |= 1 << UInt8(i % 8) }
        #expect(Array(bytes[(7 + 16)..<(7 + 32)]) == map)
        #expect(bytes.count == 7 + 16 + 16 + (exceptions.count * 9 + 7) / 8)
        try Self.withCursor(p) { cursor in
            var decoded: [UInt32] = []
            try cursor.positions(into: &decoded)
            #expect(decoded == p.positions)
        }
    }

    @Test("Patched doc blocks: listed exceptions for a long gap, a 128-bit map for many")
    func patchedDocBlocks() throws {
        // 128 docs: deltas 1 but one of 1000 (width 1; one listed exception, index 64, high
        // bits 1000 >> 1 = 500 in 9 bits); tf − 1 = 999 at every 6th doc, 0 elsewhere (width
        // 0; 22 exceptions, mapped, 999 in 10 bits each).
        let exceptions = Array(stride(from: 0, to: 128, by: 6))
        var p = Postings(documentCount: 2000)
        var doc: UInt32 = 0
        for i in 0..<128 {
            doc += i == 0 ? 0 : i == 64 ? 1000 : 1
            p.docs.append(doc)
            let tf = exceptions.contains(i) ? 1000 : 1
            p.freqs.append(UInt32(tf))
            p.starts.append(p.positions.count)
            p.positions += (0..<UInt32(tf)).map { 3 * $0 }
        }
        p.lengths = [UInt32](repeating: 3000, count: 2000)
        let bytes = Self.encode(p)
        // One doc block, so no docsLen: the doc deltas' header, 16 bytes of low bits, the
        // exception's index and its 9 high bits (2 bytes); the tfs' header and map; the first
        // positions' block.
        #expect(Array(bytes[0..<3]) == [0x01, 0x01, 0x09])
        #expect(bytes[3 + 16] == 64)
        let tfAt = 3 + 16 + 1 + 2
        #expect(Array(bytes[tfAt..<(tfAt + 3)]) == [0x00, 22, 10])
        var map = [UInt8](repeating: 0, count: 16)
        for i in exceptions { map[i / 8] |= 1 << UInt8(i % 8) }
        #expect(Array(bytes[(tfAt + 3)..<(tfAt + 19)]) == map)
        // Then the first positions' block: every doc's first position is 0 (width 0).
        let firstsAt = tfAt + 19 + (22 * 10 + 7) / 8
        #expect(Array(bytes[firstsAt..<(firstsAt + 3)]) == [0x00, 0x00, 0x00])
        try Self.withCursor(p) { cursor in
            for i in 0..<128 {
                #expect(cursor.doc == p.docs[i])
                #expect(cursor.frequency == Int(p.freqs[i]))
                if i % 5 == 0 {
                    var positions: [UInt32] = []
                    try cursor.positions(into: &positions)
                    #expect(positions[...] == p.positions(ofDocAt: i))
                }
                try cursor.next()
            }
            #expect(cursor.doc == PostingsCursor.exhausted)
        }
    }

    /// Ways a packed doc block (128 docs) can break the doc-id rules while every byte decodes.
    enum BadDocBlock: String, CaseIterable, CustomTestStringConvertible {
        /// One doc twice (a zero delta).
        case repeatedDoc
        /// The second block's docs (256...510) in an index of 300 documents.
        case beyondDocumentCount
        /// The second block's first doc repeats the first block's last (its delta is 0).
        case repeatedAcrossBlocks

        var testDescription: String { rawValue }
    }

    @Test("A packed doc block that breaks the doc-id rules is a typed corrupt error", arguments: BadDocBlock.allCases)
    func badDocBlock(_ bad: BadDocBlock) throws {
        var docs = (0..<256).map { 2 * UInt32($0) }
        let freqs = [UInt32](repeating: 1, count: 256)
        var documentCount = 600
        switch bad {
        case .repeatedDoc: docs[64] = docs[63]
        case .beyondDocumentCount: documentCount = 300
        case .repeatedAcrossBlocks: docs[128] = docs[127]
        }
        let positions = [UInt32](repeating: 3, count: 256)
        var encoder = PostingsEncoder()
        var bytes: [UInt8] = []
        let lengths = [UInt32](repeating: 10, count: documentCount)
        lengths.withUnsafeBufferPointer { encoder.encode(docs: docs, freqs: freqs, positions: positions, lengths: $0, into: &bytes) }
        let error = bytes.withUnsafeBytes { raw -> IndexError? in
            do throws(IndexError) {
                var cursor = try PostingsCursor(raw, docFreq: docs.count, totalFreq: positions.count, file: "test", fileOffset: 0, documentCount: documentCount)
                while cursor.doc != PostingsCursor.exhausted { try cursor.next() }
                return nil
            } catch {
                return error
            }
        }
        guard case .corrupt(_, _, let reason)? = error else {
            Issue.record("expected a corrupt error, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("doc ids"))
    }

    @Test("Random corruption of encoded postings throws or reads garbage, never traps", arguments: [129, 1000])
    func randomCorruption(docCount: Int) throws {
        var g = SeededGenerator(seed: 99 &+ UInt64(docCount))
        for shape in Shape.allCases {
            let p = Self.makePostings(docCount: docCount, shape: shape, seed: 4)
            let clean = Self.encode(p)
            for trial in 0..<40 {
                var bytes = clean
                for _ in 0...(trial % 4) {
                    bytes[Int.random(in: 0..<bytes.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
                }
                bytes.withUnsafeBytes { raw in
                    do throws(IndexError) {
                        var cursor = try PostingsCursor(raw, docFreq: p.docs.count, totalFreq: p.positions.count, file: "test", fileOffset: 0, documentCount: p.documentCount)
                        var positions: [UInt32] = []
                        var steps = 0
                        while cursor.doc != PostingsCursor.exhausted && steps < 3 * docCount {
                            positions.removeAll()
                            if steps % 3 != 1 { try cursor.positions(into: &positions) }
                            if steps % 5 == 4 { try cursor.seek(cursor.doc &+ 7) } else { try cursor.next() }
                            steps += 1
                        }
                    } catch {
                        _ = error
                    }
                }
            }
        }
    }
}

@Suite("Format version")
struct FormatVersionTests {
    @Test("Indexes of older versions (1: varint positions, 2: positional word postings, 3: unpatched doc blocks, 4: varint and bit-packed tails, 5: first positions in the stream, 6: 20-byte skip entries) are rejected: rebuild them",
          arguments: [UInt8(1), 2, 3, 4, 5, 6])
    func olderVersionsAreRejected(version: UInt8) throws {
        #expect(IndexFormat.version == 7)
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in Fixtures.indexFiles(Fixtures.seedIndex) {
            let path = dir + "/" + name
            try FileManager.default.copyItem(atPath: Fixtures.seedIndex + "/" + name, toPath: path)
            guard name.hasPrefix("g") else { continue }
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            data[8] = version
            try data.write(to: URL(fileURLWithPath: path))
        }
        #expect {
            try IndexReader.open(directory: dir)
        } throws: { error in
            guard case .unsupportedVersion(_, let found, let supported) = error as? IndexError else { return false }
            return found == UInt32(version) && supported == 7
        }
    }
}
