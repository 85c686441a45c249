/// Parser of a follow-up report exported as a tab-separated table (the seed report
/// `Index/follow-up-2011.tsv`, 「人身取引対策行動計画2009」フォローアップ).
///
/// Layout: a preamble of one-cell lines (title, date), a header row `施策名 省庁名 実施状況`,
/// then rows of three cells. Rules:
///
/// - **Headings** are rows whose 施策名 cell starts with a label `I.`/`II.` (Roman, level 1),
///   `1.` (level 2) or `(1)` (level 3) and whose other cells are empty. A heading replaces
///   the headings of its level and below. (Fullwidth `．` `（）` digits and `Ⅰ` `⑴` are
///   accepted too.)
/// - **Measures** are rows whose 施策名 cell is not a heading; normally labelled `①`, `②`….
///   A measure row with a 省庁名 cell starts a record; one with both other cells empty
///   announces a measure whose ministries follow on the next rows.
/// - A row with an **empty 施策名** continues the measure above it: with a 省庁名 cell it
///   starts a new record for that measure; with an **empty 省庁名** too, it continues the
///   record above (its statements are appended — this is how a record spans a page break).
/// - A 省庁名 cell can list **several ministries** separated by spaces (ASCII or
///   ideographic); repeated names are listed once.
/// - **Blank lines are page breaks** and change nothing.
/// - `<p>`…`</p>` wrappers are **markup**, removed from every cell; they may wrap several
///   statements or one, and text outside them is kept. A `<p>` inside another, a `</p>`
///   without `<p>` or a `<p>` never closed is an error.
/// - A 実施状況 cell holds **statements**, each opened by ◎ (implemented) or ○ (under
///   consideration) at the start of a paragraph or after white space, optionally tagged
///   (再掲) before or after the mark. Text before the first mark is a statement without mark.
///
/// Errors are ``CorpusError`` values with reason `.malformedTable` (or `.invalidUTF8`) and
/// the 1-based line: a row of other than three cells, a heading row with other cells filled,
/// a measure or statement row before any heading, a ministry row before any measure, a
/// statement row without a ministry, broken `<p>` markup.
public enum FollowUpTable {
    /// Parses a whole report. Throws the first problem found.
    public static func parse(text: String, file: String = "follow-up.tsv") throws(CorpusError) -> [FollowUpRow] {
        var issues: [CorpusError] = []
        let rows = parse(text: text, file: file, issues: &issues)
        if let first = issues.first { throw first }
        return rows
    }

    /// Parses a whole report, leniently: the record a bad row starts or continues is left out
    /// (with all its rows) and the problem appended to `issues`; the rest is kept.
    public static func parse(text: String, file: String, issues: inout [CorpusError]) -> [FollowUpRow] {
        parse(lines: lines(of: text), file: file, issues: &issues)
    }

    static func parse(lines: [String], file: String, issues: inout [CorpusError]) -> [FollowUpRow] {
        var parser = Parser(file: file)
        for (index, line) in lines.enumerated() {
            parser.consume(line: line, number: index + 1)
        }
        issues.append(contentsOf: parser.issues)
        return parser.rows
    }

    /// The preamble of a report: the one-cell lines before its table (title, date…).
    public static func preamble(text: String) -> [String] {
        var preamble: [String] = []
        for line in lines(of: text) {
            if line.contains("\t") { break }
            let trimmed = WhiteSpace.trimmed(line)
            if !trimmed.isEmpty { preamble.append(trimmed) }
        }
        return preamble
    }

    /// The lines of `text`, split at LF and CR LF (in Swift, "\r\n" is one character).
    private static func lines(of text: String) -> [String] {
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map(String.init)
    }

    // MARK: - Row-by-row state machine

    private struct Measure {
        var label: String
        var pathComponent: String
        var name: String
    }

    private struct Parser {
        let file: String
        var rows: [FollowUpRow] = []
        var issues: [CorpusError] = []

        private var headings: [FollowUpHeading] = []
        private var measure: Measure?
        /// Index in `rows` of the record that continuation rows extend.
        private var current: Int?
        /// Set after a bad row: rows that would belong to it are dropped silently.
        private var orphaned = false
        private var tableStarted = false
        private var ids = Set<String>()
        /// The last `#n` given to each base id.
        private var lastSuffix: [String: Int] = [:]

        init(file: String) {
            self.file = file
        }

        mutating func consume(line rawLine: String, number: Int) {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            if WhiteSpace.isBlank(line) { return }  // a page break
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            if !tableStarted {
                if cells.count == 1 { return }  // preamble: title, date
                tableStarted = true
                if cells.map({ WhiteSpace.trimmed($0) }) == ["施策名", "省庁名", "実施状況"] { return }
            }
            guard cells.count == 3 else {
                fail("expected 3 tab-separated cells (施策名, 省庁名, 実施状況) but found \(cells.count)", number)
                return
            }
            let measureText: String
            let ministryText: String
            do {
                measureText = try Markup.paragraphs(cells[0], cell: "施策名").joined(separator: " ")
                ministryText = try Markup.paragraphs(cells[1], cell: "省庁名").joined(separator: " ")
            } catch {
                fail(error.message, number)
                return
            }
            // Broken markup in 実施状況 spoils the record, not the row's place in the outline.
            let status = Result { () throws(Markup.Problem) in try Markup.paragraphs(cells[2], cell: "実施状況") }
            let hasStatus: Bool
            switch status {
            case .success(let paragraphs): hasStatus = !paragraphs.isEmpty
            case .failure: hasStatus = true
            }

            if !measureText.isEmpty {
                if let heading = Labels.heading(measureText, line: number) {
                    headings.removeAll { $0.level >= heading.level }
                    headings.append(heading)
                    measure = nil
                    current = nil
                    orphaned = false
                    if !ministryText.isEmpty || hasStatus {
                        fail("the heading \"\(heading.text)\" has a 省庁名 or 実施状況 cell", number)
                    }
                    return
                }
                current = nil
                guard !headings.isEmpty else {
                    fail("a measure (施策名) before any heading", number)
                    return
                }
                let (label, name) = Labels.measure(measureText)
                measure = Measure(
                    label: label, pathComponent: label.isEmpty ? WhiteSpace.withoutSpaces(name) : label, name: name)
                orphaned = false
                if ministryText.isEmpty {
                    if hasStatus {
                        fail("the measure \"\(measureText)\" has a 実施状況 cell but no 省庁名", number)
                    }
                    return
                }
                startRecord(ministries: ministryText, status: status, line: number)
            } else if !ministryText.isEmpty {
                guard measure != nil else {
                    if orphaned { return }
                    fail(
                        headings.isEmpty ? "a 省庁名 row before any heading" : "a 省庁名 row before any measure (施策名)",
                        number)
                    return
                }
                startRecord(ministries: ministryText, status: status, line: number)
            } else if hasStatus {
                guard let current else {
                    if orphaned { return }
                    let why =
                        headings.isEmpty
                        ? "a 実施状況 row before any heading"
                        : measure == nil ? "a 実施状況 row before any measure (施策名)" : "a 実施状況 row without 省庁名"
                    fail(why, number)
                    return
                }
                switch status {
                case .success(let paragraphs):
                    rows[current].passages += Statements.split(paragraphs, line: number)
                    rows[current].lines.append(number)
                case .failure(let problem):
                    rows.remove(at: current)  // the record is incomplete: leave it all out
                    fail(problem.message, number)
                }
            }
            // A row of empty cells changes nothing, like a blank line.
        }

        private mutating func startRecord(
            ministries cell: String, status: Result<[String], Markup.Problem>, line: Int
        ) {
            guard let measure else { return }
            let paragraphs: [String]
            switch status {
            case .success(let found): paragraphs = found
            case .failure(let problem):
                fail(problem.message, line)
                return
            }
            var ministries: [String] = []
            var seen = Set<String>()
            for name in cell.split(whereSeparator: \.isWhitespace).map(String.init) where seen.insert(name).inserted {
                ministries.append(name)
            }
            let path = (headings.map(\.pathComponent) + [measure.pathComponent]).joined(separator: ".")
            let base = path + "/" + ministries.joined(separator: ",")
            var id = base
            var suffix = lastSuffix[base] ?? 1
            while ids.contains(id) {
                suffix += 1
                id = base + "#\(suffix)"
            }
            lastSuffix[base] = suffix
            ids.insert(id)
            rows.append(
                FollowUpRow(
                    id: id, headings: headings, measureLabel: measure.label, measure: measure.name,
                    ministries: ministries, passages: Statements.split(paragraphs, line: line), lines: [line]))
            current = rows.count - 1
        }

        private mutating func fail(_ message: String, _ line: Int) {
            issues.append(CorpusError(file: file, line: line, reason: .malformedTable(message)))
            current = nil
            orphaned = true
        }
    }
}

// MARK: - Cells

/// `<p>`…`</p>` markup.
enum Markup {
    struct Problem: Error {
        var message: String
    }

    /// The trimmed, non-empty pieces of `cell` with `<p>` and `</p>` (any case) removed:
    /// one per paragraph, plus any text outside paragraphs.
    static func paragraphs(_ cell: Substring, cell name: String) throws(Problem) -> [String] {
        let bytes = Array(cell.utf8)
        var pieces: [String] = []
        var inside = false
        var openedAt = 0
        var pieceStart = 0
        var i = 0

        func flush(upTo end: Int) {
            let piece = WhiteSpace.trimmed(String(decoding: bytes[pieceStart..<end], as: UTF8.self))
            if !piece.isEmpty { pieces.append(piece) }
        }
        func column(_ offset: Int) -> Int {
            String(decoding: bytes[..<offset], as: UTF8.self).unicodeScalars.count + 1
        }

        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "<") {
                if matches(bytes, at: i, "<p>") {
                    if inside {
                        throw Problem(message: "\(name) cell: <p> inside another <p> at character \(column(i))")
                    }
                    flush(upTo: i)
                    inside = true
                    openedAt = i
                    i += 3
                    pieceStart = i
                    continue
                }
                if matches(bytes, at: i, "</p>") {
                    if !inside {
                        throw Problem(message: "\(name) cell: </p> without <p> at character \(column(i))")
                    }
                    flush(upTo: i)
                    inside = false
                    i += 4
                    pieceStart = i
                    continue
                }
            }
            i += 1
        }
        if inside {
            throw Problem(message: "\(name) cell: <p> at character \(column(openedAt)) is not closed by </p>")
        }
        flush(upTo: bytes.count)
        return pieces
    }

    private static func matches(_ bytes: [UInt8], at offset: Int, _ tag: StaticString) -> Bool {
        let length = tag.utf8CodeUnitCount
        guard bytes.count - offset >= length else { return false }
        let start = tag.utf8Start
        for k in 0..<length where bytes[offset + k] | 0x20 != start[k] | 0x20 {
            return false
        }
        return true
    }
}

/// Outline labels: `I.` `1.` `(1)` for headings, `①` for measures.
enum Labels {
    /// The heading `cell` starts, if it starts with a heading label.
    static func heading(_ cell: String, line: Int) -> FollowUpHeading? {
        let scalars = Array(cell.unicodeScalars)
        var end = 0
        var level = 0
        if let stop = roman(scalars) {
            (end, level) = (stop, 1)
        } else if let stop = arabic(scalars) {
            (end, level) = (stop, 2)
        } else if let stop = parenthesized(scalars) {
            (end, level) = (stop, 3)
        } else {
            return nil
        }
        let label = String(String.UnicodeScalarView(scalars[..<end]))
        let title = WhiteSpace.trimmed(String(String.UnicodeScalarView(scalars[end...])))
        return FollowUpHeading(level: level, label: label, title: title, line: line)
    }

    /// Splits a measure cell into its label (`①`; empty when absent) and name.
    static func measure(_ cell: String) -> (label: String, name: String) {
        guard let first = cell.unicodeScalars.first, isCircledNumber(first) else { return ("", cell) }
        return (String(first), WhiteSpace.trimmed(String(String.UnicodeScalarView(cell.unicodeScalars.dropFirst()))))
    }

    static func isCircledNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2460...0x2473, 0x24EA, 0x3251...0x325F, 0x32B1...0x32BF: true  // ①–⑳ ⓪ ㉑–㉟ ㊱–㊿
        default: false
        }
    }

    /// `I.`…, `Ⅳ`…: the end of the label, which must be followed by white space or the end.
    private static func roman(_ s: [Unicode.Scalar]) -> Int? {
        var i = 0
        while i < s.count, "IVXLC".unicodeScalars.contains(s[i]) { i += 1 }
        if i > 0 {
            guard i < s.count, isDot(s[i]) else { return nil }
            return endsLabel(s, i + 1)
        }
        while i < s.count, (0x2160...0x217F).contains(s[i].value) { i += 1 }  // Ⅰ Ⅱ …
        guard i > 0 else { return nil }
        if i < s.count, isDot(s[i]) { i += 1 }
        return endsLabel(s, i)
    }

    /// `1.`, `１．`: digits and a dot, followed by white space or the end.
    private static func arabic(_ s: [Unicode.Scalar]) -> Int? {
        var i = 0
        while i < s.count, isDigit(s[i]) { i += 1 }
        guard i > 0, i < s.count, isDot(s[i]) else { return nil }
        return endsLabel(s, i + 1)
    }

    /// `(1)`, `（１）`, `⑴`.
    private static func parenthesized(_ s: [Unicode.Scalar]) -> Int? {
        guard let first = s.first else { return nil }
        if (0x2474...0x2487).contains(first.value) { return 1 }  // ⑴ … ⒇
        guard first == "(" || first == "（" else { return nil }
        var i = 1
        while i < s.count, isDigit(s[i]) { i += 1 }
        guard i > 1, i < s.count, s[i] == ")" || s[i] == "）" else { return nil }
        return i + 1
    }

    private static func endsLabel(_ s: [Unicode.Scalar], _ end: Int) -> Int? {
        end == s.count || s[end].properties.isWhitespace ? end : nil
    }

    private static func isDot(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "." || scalar == "．"
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar) || (0xFF10...0xFF19).contains(scalar.value)
    }
}

/// Statements of a 実施状況 cell.
enum Statements {
    /// Splits paragraphs into statements at each ◎ or ○ that opens a paragraph or follows
    /// white space (a (再掲) tag just before the mark belongs to the statement).
    static func split(_ paragraphs: [String], line: Int) -> [FollowUpPassage] {
        var passages: [FollowUpPassage] = []
        for paragraph in paragraphs {
            let chars = Array(paragraph)
            var starts: [Int] = []
            for k in chars.indices where k == 0 || chars[k - 1].isWhitespace {
                if mark(chars[k]) != nil {
                    starts.append(k)
                } else if let after = relistedTag(chars, at: k), after < chars.count, mark(chars[after]) != nil {
                    starts.append(k)
                }
            }
            if starts.first != 0 { starts.insert(0, at: 0) }
            for (n, start) in starts.enumerated() {
                let end = n + 1 < starts.count ? starts[n + 1] : chars.count
                if let passage = statement(chars[start..<end], line: line) { passages.append(passage) }
            }
        }
        return passages
    }

    private static func statement(_ chars: ArraySlice<Character>, line: Int) -> FollowUpPassage? {
        let all = Array(chars)
        var i = 0
        var relisted = false
        if let after = relistedTag(all, at: i) {
            relisted = true
            i = after
        }
        var found: FollowUpPassage.Mark?
        if i < all.count, let m = mark(all[i]) {
            found = m
            i += 1
            if let after = relistedTag(all, at: i) {
                relisted = true
                i = after
            }
        }
        let text = WhiteSpace.trimmed(String(all[i...]))
        if text.isEmpty, found == nil, !relisted { return nil }
        return FollowUpPassage(mark: found, text: text, relisted: relisted, line: line)
    }

    private static func mark(_ char: Character) -> FollowUpPassage.Mark? {
        switch char {
        case "◎": .implemented
        case "○": .considering
        default: nil
        }
    }

    /// When `(再掲)` (either parenthesis fullwidth or not) starts at `k`, the index after it.
    private static func relistedTag(_ chars: [Character], at k: Int) -> Int? {
        guard k + 4 <= chars.count,
            chars[k] == "(" || chars[k] == "（",
            chars[k + 1] == "再", chars[k + 2] == "掲",
            chars[k + 3] == ")" || chars[k + 3] == "）"
        else { return nil }
        return k + 4
    }
}
