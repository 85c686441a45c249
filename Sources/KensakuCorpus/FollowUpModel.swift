/// The structured content of a follow-up report (`Index/follow-up-2011.tsv`): headings,
/// measures (施策), the ministries (省庁) reporting on them, and their statements (実施状況).
/// ``FollowUpTable`` builds these values; ``FollowUpRow/document`` turns one into a
/// ``Document``.

/// One heading of the report's outline.
public struct FollowUpHeading: Sendable, Equatable {
    /// 1 for `I.`, `II.` (Roman), 2 for `1.` (Arabic), 3 for `(1)` (parenthesized).
    public var level: Int
    /// The label as written, e.g. `II.`, `1.`, `(1)`.
    public var label: String
    /// The heading's text after its label.
    public var title: String
    /// 1-based line in the file.
    public var line: Int

    public init(level: Int, label: String, title: String, line: Int) {
        self.level = level
        self.label = label
        self.title = title
        self.line = line
    }

    /// Label and title, e.g. `II. 総合的・包括的な人身取引対策`.
    public var text: String { title.isEmpty ? label : label + " " + title }

    /// The label as used in ids: a Roman or Arabic label without its trailing dot (`II`, `1`),
    /// other labels as written (`(1)`).
    public var pathComponent: String {
        var label = label
        if label.hasSuffix(".") || label.hasSuffix("．") { label.removeLast() }
        return label
    }
}

/// One statement of a 実施状況 cell, e.g. `◎(再掲)平成22年6月、…`.
public struct FollowUpPassage: Sendable, Equatable {
    /// The mark opening a statement.
    public enum Mark: String, Sendable, CaseIterable {
        /// ◎ — implemented (実施済み・実施中).
        case implemented = "◎"
        /// ○ — under consideration (検討中).
        case considering = "○"

        /// The keyword stored in the document's `mark` field.
        public var keyword: String {
            switch self {
            case .implemented: "implemented"
            case .considering: "considering"
            }
        }
    }

    /// The statement's mark; nil for text that carries none.
    public var mark: Mark?
    /// The statement without its mark and without the (再掲) tag.
    public var text: String
    /// True when the statement is tagged (再掲) ("listed again": repeated from another measure).
    public var relisted: Bool
    /// 1-based line of the row holding the statement.
    public var line: Int

    public init(mark: Mark?, text: String, relisted: Bool, line: Int) {
        self.mark = mark
        self.text = text
        self.relisted = relisted
        self.line = line
    }

    /// The statement as the report prints it, normalized: mark, then `(再掲)`, then the text.
    public var displayText: String {
        (mark?.rawValue ?? "") + (relisted ? "(再掲)" : "") + text
    }
}

/// One record of the report: a measure and one 省庁名 cell (one or several ministries) with
/// their statements, gathered from the row that names them and the continuation rows below
/// it (rows whose 施策名 and 省庁名 cells are both empty).
public struct FollowUpRow: Sendable, Equatable {
    /// Stable id: heading path, measure label, `/`, ministries joined by `,`, e.g.
    /// `II.1.(1).④/外務省`; a later row with the same id gets `#2`, `#3`, ….
    public var id: String
    /// The headings above the measure, outermost first.
    public var headings: [FollowUpHeading]
    /// The measure's label (`④`), empty when it has none.
    public var measureLabel: String
    /// The measure's name without its label (`偽変造文書対策の強化`).
    public var measure: String
    /// The ministries of the 省庁名 cell, in order, without duplicates.
    public var ministries: [String]
    /// The statements of this row and its continuation rows, in order.
    public var passages: [FollowUpPassage]
    /// 1-based lines of the file that make up the record: its own row, then its continuation rows.
    public var lines: [Int]

    public init(
        id: String, headings: [FollowUpHeading], measureLabel: String, measure: String,
        ministries: [String], passages: [FollowUpPassage], lines: [Int]
    ) {
        self.id = id
        self.headings = headings
        self.measureLabel = measureLabel
        self.measure = measure
        self.ministries = ministries
        self.passages = passages
        self.lines = lines
    }

    /// The heading chain, e.g. `II. 総合的・包括的な人身取引対策 > 1. 人身取引の防止 > (1) 潜在的被害者の入国防止`.
    public var section: String { headings.map(\.text).joined(separator: " > ") }

    /// The marks present among the statements, ◎ before ○.
    public var marks: [FollowUpPassage.Mark] {
        FollowUpPassage.Mark.allCases.filter { mark in passages.contains { $0.mark == mark } }
    }

    /// True when any statement is tagged (再掲).
    public var relisted: Bool { passages.contains(where: \.relisted) }

    /// The record as a document with the fields of ``FollowUpSchema``: `section`, `measure`,
    /// `ministry` (one value per ministry), `status` (statements joined by `\n`, when there are
    /// any), `mark` (`implemented`, `considering`; absent when no statement has a mark) and
    /// `relisted` (`yes` or `no`).
    public var document: Document {
        var fields = [
            FieldValue("section", section),
            FieldValue("measure", measure),
            FieldValue(name: "ministry", values: ministries),
        ]
        if !passages.isEmpty {
            fields.append(FieldValue("status", passages.map(\.displayText).joined(separator: "\n")))
        }
        let marks = marks
        if !marks.isEmpty {
            fields.append(FieldValue(name: "mark", values: marks.map(\.keyword)))
        }
        fields.append(FieldValue("relisted", relisted ? "yes" : "no"))
        return Document(id: id, fields: fields)
    }
}

/// The schema of a follow-up report: `measure` is the title (boost 2); `section` and `status`
/// are analyzed text; `ministry` is analyzed and a keyword; `mark` and `relisted` are keywords
/// only.
public struct FollowUpSchema: CorpusSchema, Equatable {
    public init() {}

    public var titleField: String { "measure" }

    public func spec(for field: String) -> FieldSpec {
        switch field {
        case "measure": FieldSpec(name: field, analyzed: true, keyword: false, boost: 2.0)
        case "ministry": FieldSpec(name: field, analyzed: true, keyword: true, boost: 1.0)
        case "mark", "relisted", "id": FieldSpec(name: field, analyzed: false, keyword: true, boost: 1.0)
        default: FieldSpec(name: field, analyzed: true, keyword: false, boost: 1.0)
        }
    }
}
