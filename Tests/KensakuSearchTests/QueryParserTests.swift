import Foundation
@testable import KensakuSearch
import Testing

@Suite("Query parser")
struct QueryParserTests {
    @Test("Valid queries", arguments: [
        ("婦人相談所", Query.term(field: nil, text: "婦人相談所", phrase: false)),
        ("人身取引 被害者", .and([.term(field: nil, text: "人身取引", phrase: false), .term(field: nil, text: "被害者", phrase: false)])),
        ("人身取引\u{3000}被害者", .and([.term(field: nil, text: "人身取引", phrase: false), .term(field: nil, text: "被害者", phrase: false)])),
        ("a OR b", .or([.term(field: nil, text: "a", phrase: false), .term(field: nil, text: "b", phrase: false)])),
        ("保護 -再掲", .and([.term(field: nil, text: "保護", phrase: false), .not(.term(field: nil, text: "再掲", phrase: false))])),
        ("\"損害を 賠償\"", .term(field: nil, text: "損害を 賠償", phrase: true)),
        ("ministry:法務省", .term(field: "ministry", text: "法務省", phrase: false)),
        ("title:\"個人 情報\"", .term(field: "title", text: "個人 情報", phrase: true)),
        ("(a OR b) c", .and([.or([.term(field: nil, text: "a", phrase: false), .term(field: nil, text: "b", phrase: false)]), .term(field: nil, text: "c", phrase: false)])),
        ("ORACLE", .term(field: nil, text: "ORACLE", phrase: false)),
        ("a-b", .term(field: nil, text: "a-b", phrase: false)),
        // A CRLF line break (one Character of two scalars) separates terms like a space.
        ("保護\r\n再掲", .and([.term(field: nil, text: "保護", phrase: false), .term(field: nil, text: "再掲", phrase: false)])),
        // A syntax character with a combining mark is text, not syntax.
        ("(\u{301}a", .term(field: nil, text: "(\u{301}a", phrase: false)),
        ("f_1:x", .term(field: "f_1", text: "x", phrase: false)),
        ("ｆ:x", .term(field: nil, text: "ｆ:x", phrase: false)),
    ])
    func valid(text: String, expected: Query) throws {
        #expect(try QueryParser.parse(text) == expected)
    }

    @Test("Malformed queries point at the column", arguments: [
        ("", 1), ("   ", 1), ("\"婦人", 1), ("a \"b", 3), ("(a", 1), ("a)", 2), ("()", 2), ("a OR", 3), ("\"  \"", 1), ("a (b OR )", 6),
    ])
    func malformed(text: String, column: Int) {
        #expect(throws: QueryError.self) { try QueryParser.parse(text) }
        do { _ = try QueryParser.parse(text) } catch { #expect(error.column == column, "\(error)") }
    }

    @Test("Deep nesting is an error, not a stack overflow")
    func deepNesting() {
        let text = String(repeating: "(", count: 10_000) + "a" + String(repeating: ")", count: 10_000)
        #expect(throws: QueryError.self) { try QueryParser.parse(text) }
    }

    @Test("A query of 1,024 terms parses; 10,000 terms and a 1 MB term are refused with a column")
    func limits() throws {
        let text = (0..<QueryParser.maxTerms).map { "t\($0)" }.joined(separator: " ")
        guard case .and(let parts) = try QueryParser.parse(text) else { Issue.record("not an AND"); return }
        #expect(parts.count == QueryParser.maxTerms)
        let tooMany = (0..<10_000).map { "t\($0)" }.joined(separator: " ")
        #expect(throws: QueryError.self) { try QueryParser.parse(tooMany) }
        let huge = String(repeating: "の", count: 1 << 20)
        do { _ = try QueryParser.parse("a " + huge); Issue.record("no error") } catch { #expect(error.column == 3) }
    }
}

@Suite("Highlight terms")
struct HighlightTermTests {
    /// The trim the searcher applies to each term's normalized text agrees with Foundation's
    /// `trimmingCharacters(in: .whitespaces)`.
    @Test("trimming spaces", arguments: ["婦人相談所", " 婦人 相談所 ", "\t保護\t", "\u{3000}人身取引\u{3000}", "   ", "", "\u{00A0}a\u{2003}", "a\nb", "\nx\n"])
    func trimming(text: String) {
        #expect(Searcher.trimmingSpaces(text) == text.trimmingCharacters(in: .whitespaces))
    }
}
