import Testing

@testable import KensakuCorpus

/// The seed report `Index/follow-up-2011.tsv` and the table rules on small made-up tables.
@Suite struct FollowUpTableTests {
    static let seedPath = repositoryRoot() + "/Index/follow-up-2011.tsv"

    static func seed() throws -> FollowUpTableSource {
        try FollowUpTableSource(path: seedPath)
    }

    static func row(_ id: String, in source: FollowUpTableSource) throws -> FollowUpRow {
        try #require(source.rows.first { $0.id == id }, "no row \(id)")
    }

    // MARK: The seed report

    @Test func seedParsesWithoutErrors() throws {
        var source = try Self.seed()
        #expect(source.skipped.isEmpty)
        #expect(source.preamble == ["「人身取引対策行動計画2009」フォローアップ", "平成23年11月"])
        let (documents, errors) = drain(&source)
        #expect(errors.isEmpty)
        #expect(documents.count == 99)
        #expect(documents.count == source.rows.count)
        #expect(source.progress.consumed == source.progress.total)
        #expect(source.progress.total == 65_232)

        let passages = source.rows.flatMap(\.passages)
        #expect(passages.count == 211)
        #expect(passages.filter { $0.mark == .implemented }.count == 207)
        #expect(passages.filter { $0.mark == .considering }.count == 4)
        #expect(passages.allSatisfy { $0.mark != nil })
        // Every (再掲) of the file is a tag of a statement.
        #expect(passages.filter(\.relisted).count == 44)
        #expect(passages.allSatisfy { !$0.text.contains("(再掲)") && !$0.text.isEmpty })
    }

    @Test func idsAreUniqueAndStable() throws {
        let source = try Self.seed()
        let ids = source.rows.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(try Self.seed().rows == source.rows)
        #expect(
            Array(ids.prefix(9)) == [
                "I.①/全関係省庁", "I.②/全関係省庁",
                "II.1.(1).①/外務省", "II.1.(1).②/外務省", "II.1.(1).③/法務省",
                "II.1.(1).④/法務省", "II.1.(1).④/外務省", "II.1.(1).④/外務省#2",
                "II.1.(1).⑤/外務省",
            ])
        #expect(ids.last == "II.4.(3).⑥/内閣官房")
    }

    @Test func headingsAndSections() throws {
        let source = try Self.seed()
        let first = try Self.row("I.①/全関係省庁", in: source)
        #expect(first.section == "I. 人身取引の実態把握の徹底")
        #expect(first.measureLabel == "①")
        #expect(first.measure == "人身取引被害の発生状況の把握・分析")
        let deep = try Self.row("II.1.(2).①/警察庁", in: source)
        #expect(deep.section == "II. 総合的・包括的な人身取引対策 > 1. 人身取引の防止 > (2) 在留管理の徹底を通じた人身取引の防止")
        #expect(deep.headings.map(\.level) == [1, 2, 3])
        #expect(deep.headings.map(\.line) == [11, 12, 21])
        // A new "2." drops the "(n)" of "1.".
        let next = try Self.row("II.2.(1).①/警察庁", in: source)
        #expect(next.headings.map(\.label) == ["II.", "2.", "(1)"])
    }

    /// Rows with an empty 施策名 belong to the measure above; each 省庁名 starts a record.
    @Test(arguments: [
        ("II.1.(1).④/外務省", 18, "偽変造文書対策の強化", ["外務省"]),
        ("II.1.(1).④/外務省#2", 19, "偽変造文書対策の強化", ["外務省"]),
        ("II.1.(2).①/外務省", 25, "厳格な在留管理による偽装滞在・不法滞在を伴う人身取引事犯の防止", ["外務省"]),
        ("II.2.(1).④/厚生労働省", 42, "悪質な雇用主、ブローカー等の取締りの徹底", ["厚生労働省"]),  // after a page break
        ("II.3.(1).②/法務省", 60, "各種窓口における対応", ["法務省"]),  // after a page break
        ("II.4.(2).③/文部科学省", 114, "学校教育等における取組", ["文部科学省"]),
    ])
    func measureContinuation(id: String, line: Int, measure: String, ministries: [String]) throws {
        let row = try Self.row(id, in: try Self.seed())
        #expect(row.lines == [line])
        #expect(row.measure == measure)
        #expect(row.ministries == ministries)
    }

    /// Rows with empty 施策名 and 省庁名 continue the record above, across page breaks.
    @Test func ministryContinuation() throws {
        let source = try Self.seed()
        let spanning = try Self.row("II.3.(1).④/全関係省庁", in: source)
        #expect(spanning.lines == [67, 69])  // line 68 is a page break
        #expect(spanning.passages.count == 13)
        #expect(spanning.passages.filter { $0.line == 69 }.count == 4)
        #expect(spanning.passages[9].text.hasPrefix("厚生労働省では、平成22年7月以降"))

        let five = try Self.row("II.4.(2).⑤/全関係省庁", in: source)
        #expect(five.lines == [122, 123, 124, 125, 126])
        #expect(five.passages.map(\.line) == [122, 123, 124, 125, 126])
        #expect(five.passages.last?.text.hasPrefix("海上保安庁では") == true)
    }

    @Test(arguments: [
        ("II.1.(2).②/警察庁,法務省,厚生労働省", ["警察庁", "法務省", "厚生労働省"]),
        ("II.2.(2).②/法務省,外務省", ["法務省", "外務省"]),
        // Listed with 法務省 twice in the file.
        ("II.3.(4).①/内閣官房,警察庁,法務省,厚生労働省,海上保安庁", ["内閣官房", "警察庁", "法務省", "厚生労働省", "海上保安庁"]),
        // Wrapped in <p>…</p>.
        ("II.4.(2).①/全関係省庁,内閣府,警察庁,法務省,外務省", ["全関係省庁", "内閣府", "警察庁", "法務省", "外務省"]),
    ])
    func severalMinistries(id: String, ministries: [String]) throws {
        let row = try Self.row(id, in: try Self.seed())
        #expect(row.ministries == ministries)
        #expect(row.document.values("ministry") == ministries)
    }

    @Test func paragraphMarkupIsStripped() throws {
        let source = try Self.seed()
        for row in source.rows {
            for value in row.document.fields.flatMap(\.values) {
                #expect(!value.contains("<p>") && !value.contains("</p>"), "\(row.id)")
            }
        }
        // Line 108: every cell wrapped; line 109: a heading wrapped.
        let wrapped = try Self.row("II.4.(1).③/外務省", in: source)
        #expect(wrapped.measure == "国際的な支援")
        #expect(wrapped.ministries == ["外務省"])
        let below = try Self.row("II.4.(2).②/法務省", in: source)
        #expect(below.headings.last?.text == "(2) 国民等の理解と協力の確保")
        // Line 9: six paragraphs, six statements, one per line of `status`.
        let first = try Self.row("I.①/全関係省庁", in: source)
        #expect(first.passages.count == 6)
        #expect(first.document.values("status").first?.split(separator: "\n").count == 6)
        #expect(first.passages[4].displayText == "◎婦人相談所では、平成22年度において、保護を求めてきた被害女性33人を保護した。")
    }

    @Test func marksAndRelisted() throws {
        let source = try Self.seed()
        // Line 108: ◎, ○, ◎ inside one paragraph.
        let mixed = try Self.row("II.4.(1).③/外務省", in: source)
        #expect(mixed.passages.map(\.mark) == [.implemented, .considering, .implemented])
        #expect(mixed.passages[1].text == "今後も継続して人身取引被害の予防や被害回復プロジェクトに対する拠出を検討中。")
        #expect(mixed.document.values("mark") == ["implemented", "considering"])
        #expect(mixed.document.values("relisted") == ["no"])

        let considering = try Self.row("II.3.(4).②/内閣官房,警察庁,法務省,厚生労働省", in: source)
        #expect(considering.document.values("mark") == ["considering"])

        // Line 39: "◎(再掲)…".
        let relisted = try Self.row("II.2.(1).④/警察庁", in: source)
        #expect(relisted.passages.count == 1)
        #expect(relisted.passages[0].relisted)
        #expect(relisted.passages[0].mark == .implemented)
        #expect(relisted.passages[0].text.hasPrefix("平成23年中(9月末現在)、人身取引事犯の被疑者27人"))
        #expect(relisted.document.values("relisted") == ["yes"])

        // Line 135: "(再掲)◎…" — the tag before the mark.
        let before = try Self.row("II.4.(3).③/全関係省庁", in: source)
        #expect(before.passages[0].relisted && before.passages[0].mark == .implemented)
        #expect(before.passages[0].text.hasPrefix("平成16年以降"))
        #expect(before.passages[0].displayText.hasPrefix("◎(再掲)平成16年以降"))
        #expect(before.passages.filter(\.relisted).count == 3)
    }

    @Test func documentsAndSchema() throws {
        var source = try Self.seed()
        let document = try #require(try source.next())
        #expect(document.id == "I.①/全関係省庁")
        #expect(document.fields.map(\.name) == ["section", "measure", "ministry", "status", "mark", "relisted"])
        let schema = source.schema
        #expect(schema.titleField == "measure")
        #expect(schema.spec(for: "measure") == FieldSpec(name: "measure", analyzed: true, keyword: false, boost: 2.0))
        #expect(schema.spec(for: "ministry") == FieldSpec(name: "ministry", analyzed: true, keyword: true, boost: 1.0))
        #expect(schema.spec(for: "mark") == FieldSpec(name: "mark", analyzed: false, keyword: true, boost: 1.0))
        #expect(schema.spec(for: "relisted") == FieldSpec(name: "relisted", analyzed: false, keyword: true, boost: 1.0))
        #expect(schema.spec(for: "status") == FieldSpec(name: "status", analyzed: true, keyword: false, boost: 1.0))
        #expect(schema.spec(for: "section").analyzed)
    }

    // MARK: Rules on made-up tables

    static let header = "タイトル\n\n施策名\t省庁名\t実施状況\n"

    @Test func madeUpTable() throws {
        let text = Self.header + """
            Ⅰ 第一部\t\t
            ① 施策\t外務省　法務省 外務省\t◎一つ目。 ○二つ目(再掲)ではない。
            \t外務省 法務省\t<P>◎三つ目。</P>
            \t\t（再掲）○四つ目。
            \t外務省　法務省\t前置き ◎五つ目。
            （２） 小見出し\t\t
            ② 名前のない\t\t
            \t警察庁\t◎六つ目。
            １． 次の章\t\t
            施策名に番号なし\t警察庁\t◎七つ目。
            """
        let rows = try FollowUpTable.parse(text: text)
        #expect(
            rows.map(\.id) == [
                "Ⅰ.①/外務省,法務省", "Ⅰ.①/外務省,法務省#2", "Ⅰ.①/外務省,法務省#3", "Ⅰ.（２）.②/警察庁",
                "Ⅰ.１.施策名に番号なし/警察庁",
            ])
        #expect(rows[0].passages.map(\.displayText) == ["◎一つ目。", "○二つ目(再掲)ではない。"])
        #expect(rows[0].passages.map(\.relisted) == [false, false])
        #expect(rows[1].lines == [6, 7])
        #expect(rows[1].passages.map(\.displayText) == ["◎三つ目。", "○(再掲)四つ目。"])
        #expect(rows[2].passages.map(\.displayText) == ["前置き", "◎五つ目。"])
        #expect(rows[2].passages[0].mark == nil)
        #expect(rows[3].section == "Ⅰ 第一部 > （２） 小見出し")
        #expect(rows[3].measure == "名前のない")
        #expect(rows[4].section == "Ⅰ 第一部 > １． 次の章")
        #expect(rows[4].measureLabel == "")
        // The same with CR LF line ends.
        let crlf = text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        #expect(try FollowUpTable.parse(text: crlf) == rows)
        #expect(FollowUpTable.preamble(text: crlf) == ["タイトル"])
    }

    @Test(arguments: [
        ("\t\t◎状況", 4, "a 実施状況 row before any heading"),
        ("① 施策\t外務省\t◎状況", 4, "a measure (施策名) before any heading"),
        ("I. 見出し\t\t\n\t外務省\t◎状況", 5, "a 省庁名 row before any measure"),
        ("I. 見出し\t\t\n① 施策\t\t\n\t\t◎状況", 6, "a 実施状況 row without 省庁名"),
        ("I. 見出し\t\t\n① 施策\t\t◎状況", 5, "has a 実施状況 cell but no 省庁名"),
        ("I. 見出し\t外務省\t", 4, "the heading \"I. 見出し\" has a 省庁名 or 実施状況 cell"),
        ("I. 見出し\t\t\n① 施策\t外務省\t<p>◎状況", 5, "実施状況 cell: <p> at character 1 is not closed by </p>"),
        ("I. 見出し\t\t\n① 施策\t外務省\t◎状況</p>", 5, "実施状況 cell: </p> without <p> at character 4"),
        ("I. 見出し\t\t\n① 施策\t<p>外務省<p>\t◎状況", 5, "省庁名 cell: <p> inside another <p> at character 7"),
        ("I. 見出し\t\t\n① 施策\t外務省", 5, "expected 3 tab-separated cells"),
        ("I. 見出し\t\t\n① 施策\t外務省\t◎a\tb", 5, "but found 4"),
        ("I. 見出し\t\t\n後書き", 5, "but found 1"),
    ])
    func malformedTables(body: String, line: Int, message: String) throws {
        let text = Self.header + body
        var issues: [CorpusError] = []
        _ = FollowUpTable.parse(text: text, file: "t.tsv", issues: &issues)
        let first = try #require(issues.first)
        #expect(first.line == line)
        #expect(first.file == "t.tsv")
        guard case .malformedTable(let reported) = first.reason else {
            Issue.record("expected malformedTable, got \(first)")
            return
        }
        #expect(reported.contains(message), "\(reported)")
        #expect(throws: first) { try FollowUpTable.parse(text: text, file: "t.tsv") }
    }

    @Test func skipBadLeavesOutTheBadRecordAndItsContinuations() throws {
        let text = Self.header + """
            I. 見出し\t\t
            ① 施策\t外務省\t<p>◎壊れた
            \t\t◎続き（これも捨てる）
            \t法務省\t◎良い。
            ② 次\t警察庁\t◎これも良い。
            """
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("t.tsv", text: text)
        #expect(throws: CorpusError.self) { try FollowUpTableSource(path: path) }
        var source = try FollowUpTableSource(path: path, skipBad: true)
        let (documents, errors) = drain(&source)
        #expect(errors.isEmpty)
        #expect(documents.map(\.id) == ["I.①/法務省", "I.②/警察庁"])
        #expect(source.skipped.map(\.line) == [5])
    }

    @Test func invalidUTF8InTheTable() throws {
        let bytes = Array((Self.header + "I. 見出し\t\t\n① 施策\t外務省\t◎あ").utf8) + [0xFF] + Array("\n② 次\t警察庁\t◎良い。".utf8)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("bad.tsv", bytes: bytes)
        #expect(throws: CorpusError(file: path, line: 5, reason: .invalidUTF8(byteOffset: 27))) {
            try FollowUpTableSource(path: path)
        }
        let source = try FollowUpTableSource(path: path, skipBad: true)
        #expect(source.rows.map(\.id) == ["I.②/警察庁"])
        #expect(source.skipped.count == 1)
    }
}
