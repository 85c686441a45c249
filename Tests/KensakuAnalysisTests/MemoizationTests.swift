import Foundation
import Testing
@testable import KensakuAnalysis

/// Results that threads hand back, each to its own slot.
final class Box<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value: Value
    init(_ value: Value) { self.value = value }
    func set<Element>(_ index: Int, _ element: Element) where Value == [Element] { lock.withLock { value[index] = element } }
}

/// Hands each thread its own analyzer (an analyzer is not Sendable: one thread uses it).
struct PerThread<Value>: @unchecked Sendable {
    let value: Value
}

/// Memoized clause segmentation must give exactly what ICU gives on the whole text.
@Suite("Memoization")
struct MemoizationTests {
    /// Analyzes `texts` with one memoizing analyzer (twice over, so the second pass replays the
    /// memo) and compares with a direct analysis of each text.
    static func expectEquivalent(_ texts: [String], settings: AnalyzerSettings = AnalyzerSettings(),
                                 sourceLocation: SourceLocation = #_sourceLocation) throws -> (hits: Int, misses: Int) {
        let memoized = try Analyzer(settings: settings)
        let direct = try Analyzer(settings: settings)
        for pass in 0..<2 {
            for text in texts {
                let m = try analyzeBytes(text, memoize: true, analyzer: memoized)
                let d = try analyzeBytes(text, memoize: false, analyzer: direct)
                #expect(m.words == d.words, "pass \(pass): words differ for \(scalarDump(text.prefix(80)))…: \(m.wordTerms) vs \(d.wordTerms)",
                        sourceLocation: sourceLocation)
                #expect(m.grams == d.grams, sourceLocation: sourceLocation)
                #expect(m.text.units == d.text.units, sourceLocation: sourceLocation)
            }
        }
        return memoized.memoStatistics
    }

    @Test("seed report, whole and line by line")
    func seedReport() throws {
        let whole = try SeedReport.text()
        let stats = try Self.expectEquivalent([whole] + SeedReport.lines())
        // The second pass is answered from the memo.
        #expect(stats.hits > stats.misses)
    }

    @Test("random text", arguments: [11, 12, 13] as [UInt64])
    func randomText(seed: UInt64) throws {
        let texts = RandomText.samples(seed: seed, count: 200, maxLength: 300)
        let stats = try Self.expectEquivalent(texts)
        #expect(stats.hits > 0)
    }

    @Test("random text, hiragana folded to katakana")
    func randomTextFolded() throws {
        _ = try Self.expectEquivalent(RandomText.samples(seed: 14, count: 100, maxLength: 300),
                                      settings: AnalyzerSettings(foldHiraganaToKatakana: true))
    }

    /// Marks that attach to what precedes them, placed right after each clause-ending character.
    static let attachingMarks: [String] = [
        "\u{0301}", "\u{0334}", "\u{0483}", "\u{0591}", "\u{093C}", "\u{0903}", "\u{302A}", "\u{3099}", "\u{309A}",
        "\u{309B}", "\u{FF9E}", "\u{FE0F}", "\u{200D}", "\u{00AD}", "\u{0600}", "\u{20DD}", "\u{1F3FB}", "\u{1D165}", "\u{E0100}",
    ]
    static let clauseEnds: [String] = ["、", "。", "「", "」", "(", ")", "（", "）", "\n", "｡", "､"]
    static let followers: [String] = ["abc", "漢字です", "カタカナ", "ｶﾀｶﾅ", "123", " x", "ひらがな", "ー", "、", ""]

    @Test("combining marks after clause ends", arguments: attachingMarks)
    func marksAfterClauseEnds(mark: String) throws {
        var texts: [String] = []
        for end in Self.clauseEnds {
            for follower in Self.followers {
                texts.append("これは\(end)\(mark)\(follower)の\(end)\(mark)\(follower)マイレージ\(end)")
                texts.append("\(end)\(mark)\(follower)")
            }
        }
        _ = try Self.expectEquivalent(texts)
    }

    @Test("repeated clauses")
    func repeatedClauses() throws {
        let clause = "婦人相談所では、保護を求めてきた被害女性を保護した。"
        var texts = [String(repeating: clause, count: 200)]
        texts.append(String(repeating: "マイレージ、", count: 100) + "マイレージ")
        texts.append(String(repeating: "、", count: 50) + "第二十五条" + String(repeating: "。", count: 50))
        texts.append(String(repeating: "アイ、ウエ\n", count: 30))
        // The same clause after different context.
        texts.append("ニュース、キュレーション、ニュースキュレーション、キュレーション")
        // Clauses longer than the memo takes, alone and between short ones.
        let long = String(repeating: "人身取引対策行動計画", count: 80)
        texts.append(long)
        texts.append("短い、\(long)、短い、\(long)。")
        let stats = try Self.expectEquivalent(texts)
        #expect(stats.hits > 0)
    }

    /// Analyzers on two threads sharing one memo (as the index builder's workers do) give what
    /// ICU gives on each whole text, whichever thread segmented a clause first.
    @Test("a memo shared by two threads")
    func sharedMemo() throws {
        let texts = RandomText.samples(seed: 31, count: 300, maxLength: 200) + (try SeedReport.lines())
        let direct = try Analyzer()
        let expected = try texts.map { try analyzeBytes($0, memoize: false, analyzer: direct) }
        // A small budget, so that the memo is also cleared while both threads use it.
        let memo = SharedSegmentMemo(budgetUnits: 4_000)
        let analyzers = PerThread(value: try (0..<2).map { _ in try Analyzer(sharedMemo: memo) })
        let results = Box(Array(repeating: [AnalyzedText?](repeating: nil, count: texts.count), count: 2))
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            // Both threads analyze every text, in opposite orders, twice over.
            var mine = [AnalyzedText?](repeating: nil, count: texts.count)
            for _ in 0..<2 {
                for k in 0..<texts.count {
                    let i = t == 0 ? k : texts.count - 1 - k
                    mine[i] = try? analyzeBytes(texts[i], analyzer: analyzers.value[t])
                }
            }
            results.set(t, mine)
        }
        for t in 0..<2 {
            for (i, result) in results.value[t].enumerated() {
                #expect(result?.words == expected[i].words, "thread \(t), text \(i)")
                #expect(result?.grams == expected[i].grams)
            }
        }
        #expect(analyzers.value.allSatisfy { $0.memoStatistics.hits > 0 })
    }

    /// `Analyzer.memoClauses` (what benchmarks measure the memo by) cuts the text where the
    /// analyzer looks clauses up: as many lookups as clauses short enough to memoize.
    @Test("memoClauses are the clauses the memo looks up", arguments: [21, 22] as [UInt64])
    func memoClausesMatchLookups(seed: UInt64) throws {
        var texts = RandomText.samples(seed: seed, count: 100, maxLength: 300)
        texts += Self.clauseEnds.map { "これは\($0)\u{3099}あ\($0)い" }
        texts.append(String(repeating: "人身取引対策行動計画", count: 80) + "、短い。")
        for text in texts {
            let analyzer = try Analyzer()
            let analyzed = try analyzeBytes(text, analyzer: analyzer)
            let units = analyzed.text.units
            let clauses = units.withUnsafeBufferPointer { Analyzer.memoClauses($0) }
            var end = 0
            for clause in clauses {
                #expect(clause.lowerBound == end && !clause.isEmpty)
                end = clause.upperBound
            }
            #expect(end == units.count)
            let lookups = analyzer.memoStatistics.hits + analyzer.memoStatistics.misses
            #expect(lookups == clauses.filter { $0.count <= Analyzer.memoizedClauseLength }.count, "\(scalarDump(text.prefix(40)))")
        }
    }

    @Test("memo hits replay the same tokens")
    func memoHits() throws {
        let analyzer = try Analyzer()
        let text = "婦人相談所では、平成22年度において、保護を求めてきた被害女性33人を保護した。"
        let first = try analyzeBytes(text, analyzer: analyzer)
        let afterFirst = analyzer.memoStatistics
        #expect(afterFirst.misses == 3 && afterFirst.hits == 0)
        let second = try analyzeBytes(text, analyzer: analyzer)
        #expect(analyzer.memoStatistics.hits == 3 && analyzer.memoStatistics.misses == 3)
        #expect(first.words == second.words && first.grams == second.grams)
        // Direct analysis does not touch the memo.
        _ = try analyzeBytes(text, memoize: false, analyzer: analyzer)
        #expect(analyzer.memoStatistics.hits == 3 && analyzer.memoStatistics.misses == 3)
    }
}

@Suite("Segment memo")
struct SegmentMemoTests {
    /// The packed segments memoized for `clause`, or nil.
    static func lookup(_ memo: inout SegmentMemo, _ clause: [UInt16], hash: UInt64? = nil) -> [UInt32]? {
        clause.withUnsafeBufferPointer { buffer in
            var spans: [TokenSpan] = []
            guard memo.replay(buffer, hash: hash ?? SegmentMemo.hash(buffer), base: 0, into: &spans) else { return nil }
            return spans.map { UInt32($0.start) << 16 | UInt32($0.end) }
        }
    }

    static func insert(_ memo: inout SegmentMemo, _ clause: [UInt16], _ segments: [UInt32]) {
        clause.withUnsafeBufferPointer { memo.insert($0, hash: SegmentMemo.hash($0), packed: segments[...]) }
    }

    static func clause(_ i: Int) -> [UInt16] { Array("節\(i)、".utf16) }

    @Test("grows past its first table and answers every clause")
    func growth() {
        var memo = SegmentMemo()
        let count = 70_000  // more than 3/4 of the initial 65,536 slots
        for i in 0..<count { Self.insert(&memo, Self.clause(i), [UInt32(i), UInt32(i) << 16 | 1]) }
        for i in stride(from: 0, to: count, by: 7) {
            #expect(Self.lookup(&memo, Self.clause(i)) == [UInt32(i), UInt32(i) << 16 | 1])
        }
        #expect(Self.lookup(&memo, Self.clause(count)) == nil)
    }

    @Test("clears itself past its budget")
    func budget() {
        var memo = SegmentMemo(budgetUnits: 64)
        let first = Self.clause(0)
        Self.insert(&memo, first, [1])
        #expect(Self.lookup(&memo, first) == [1])
        for i in 1...20 { Self.insert(&memo, Self.clause(i), [UInt32(i)]) }
        #expect(Self.lookup(&memo, first) == nil)
        #expect(Self.lookup(&memo, Self.clause(20)) == [20])
    }

    @Test("equal hashes with a prefix of a stored clause are told apart")
    func collisionsWithPrefix() {
        var memo = SegmentMemo()
        let long: [UInt16] = Array("甲乙".utf16), short: [UInt16] = Array("甲".utf16)
        long.withUnsafeBufferPointer { memo.insert($0, hash: 42, packed: [7]) }
        #expect(Self.lookup(&memo, short, hash: 42) == nil)
        #expect(Self.lookup(&memo, long, hash: 42) == [7])
    }

    @Test("equal hashes with different text are told apart")
    func collisions() {
        var memo = SegmentMemo()
        let a: [UInt16] = Array("甲".utf16), b: [UInt16] = Array("乙".utf16)
        a.withUnsafeBufferPointer { memo.insert($0, hash: 42, packed: [7]) }
        #expect(Self.lookup(&memo, b, hash: 42) == nil)
        b.withUnsafeBufferPointer { memo.insert($0, hash: 42, packed: [8]) }
        #expect(Self.lookup(&memo, a, hash: 42) == [7])
        #expect(Self.lookup(&memo, b, hash: 42) == [8])
    }

    @Test("replay shifts segments by the clause position")
    func replayShifts() {
        var memo = SegmentMemo()
        let clause: [UInt16] = Array("婦人相談所".utf16)
        clause.withUnsafeBufferPointer { memo.insert($0, hash: SegmentMemo.hash($0), packed: [0 << 16 | 2, 2 << 16 | 4]) }
        var spans: [TokenSpan] = [TokenSpan(start: 0, end: 1)]
        let found = clause.withUnsafeBufferPointer { memo.replay($0, hash: SegmentMemo.hash($0), base: 10, into: &spans) }
        #expect(found)
        #expect(spans == [TokenSpan(start: 0, end: 1), TokenSpan(start: 10, end: 12), TokenSpan(start: 12, end: 14)])
    }
}
