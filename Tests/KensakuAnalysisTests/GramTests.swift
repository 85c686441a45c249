import Testing
@testable import KensakuAnalysis

@Suite("Grams")
struct GramTests {
    /// (text, [(term, position)]): a bigram at each character with a successor in its run, a
    /// unigram for a run's last character; positions are UTF-16 offsets in the normalized text.
    static let cases: [(String, [(String, Int32)])] = [
        ("婦人相談所では", [("婦人", 0), ("人相", 1), ("相談", 2), ("談所", 3), ("所で", 4), ("では", 5), ("は", 6)]),
        ("a", [("a", 0)]),
        ("字", [("字", 0)]),
        ("ab", [("ab", 0), ("b", 1)]),
        ("ab cd", [("ab", 0), ("b", 1), ("cd", 3), ("d", 4)]),
        ("ab\u{3000}cd", [("ab", 0), ("b", 1), ("cd", 3), ("d", 4)]),
        ("a b", [("a", 0), ("b", 2)]),
        (" 人\t\n相 ", [("人", 1), ("相", 4)]),
        ("人\r\n談", [("人", 0), ("談", 3)]),
        ("人\u{00A0}談", [("人", 0), ("談", 2)]),
        ("𠮷野家", [("𠮷野", 0), ("野家", 2), ("家", 3)]),
        ("野𠮷", [("野𠮷", 0), ("𠮷", 1)]),
        ("x 𠮷", [("x", 0), ("𠮷", 2)]),
        ("😀😀", [("😀😀", 0), ("😀", 2)]),
        ("ＩＣＰＯ", [("ic", 0), ("cp", 1), ("po", 2), ("o", 3)]),
        ("㍿", [("株式", 0), ("式会", 1), ("会社", 2), ("社", 3)]),
        ("", []),
        ("   ", []),
        ("\u{3000}", []),
    ]

    @Test("gram table", arguments: cases)
    func grams(text: String, expected: [(String, Int32)]) throws {
        let analyzed = try analyzeBytes(text)
        #expect(analyzed.gramTerms == expected.map(\.0))
        #expect(analyzed.grams.map(\.position) == expected.map(\.1))
    }

    @Test("every non-space character starts exactly one gram")
    func oneGramPerCharacter() throws {
        let text = "人身取引 対策\u{3000}𠮷野家、マイレージ。ab"
        let analyzed = try analyzeBytes(text)
        var starts: [Int32] = []
        var offset: Int32 = 0
        for scalar in analyzed.text.string.unicodeScalars {
            if !scalar.properties.isWhitespace { starts.append(offset) }
            offset += Int32(scalar.utf16.count)
        }
        #expect(analyzed.grams.map(\.position) == starts)
        // A surrogate pair is one character: no gram starts or ends inside it.
        let units = analyzed.text.units
        for gram in analyzed.grams {
            #expect(!(0xDC00...0xDFFF).contains(units[Int(gram.start)]))
            #expect(gram.end == Int32(units.count) || !(0xDC00...0xDFFF).contains(units[Int(gram.end)]))
        }
    }

    @Test("gram source ranges cover whole original characters")
    func gramSourceRanges() throws {
        let analyzed = try analyzeBytes("𠮷野 ｶﾞ")
        #expect(analyzed.gramTerms == ["𠮷野", "野", "ガ"])
        #expect(analyzed.grams.map(analyzed.sourceRange) == [0..<7, 4..<7, 8..<14])
    }
}
