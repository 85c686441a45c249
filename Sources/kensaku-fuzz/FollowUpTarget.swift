import Foundation
import KensakuCorpus

/// Mutated follow-up tables through `FollowUpTable.parse`, and now and then through
/// `FollowUpTableSource` from a file (which also checks UTF-8). Checks: every problem names a
/// line of the file; record ids are unique and non-empty; a record's lines exist and increase;
/// the strict parse throws exactly the lenient parse's first problem.
struct FollowUpTarget: FuzzTarget {
    static let name = "followup"

    struct Input {
        var bytes: [UInt8]
        var viaFile: Bool
        var ops: [String]
    }

    private let lines: [[UInt8]]
    private let mutator: Mutator
    private let work: String
    private var counter = 0

    static let tokens: [String] = [
        "\t", "\t\t", "<p>", "</p>", "<P>", "</P>", "<p><p>", "◎", "○", "(再掲)", "（再掲）", "①", "⑳", "㊿", "⑴", "I.", "II. ",
        "Ⅳ", "1.", "１．", "(1)", "（１）", "\r\n", "\n", "\r", "\u{FEFF}", "施策名\t省庁名\t実施状況", " ", "\u{3000}", "法務省 外務省",
    ]

    static let hostileLines: [String] = [
        "I. 見出し\t\t", "1. 見出し\t\t", "(1) 見出し\t\t", "① 施策\t\t", "① 施策\t法務省\t<p>◎文</p>", "\t法務省\t◎文", "\t\t◎続き",
        "\t\t<p>", "\t\t</p>", "a\tb", "a\tb\tc\td", "\t\t\t", "I. x\t法務省\t", "\t \t ", "施策名\t省庁名\t実施状況", "",
        "①\t法務省 法務省\t(再掲)◎", "\t法務省\t<p>○(再掲)</p> <p>◎</p>",
    ]

    init(context: FuzzContext) throws {
        lines = context.tableBytes().split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
        mutator = Mutator(seeds: lines, tokens: FollowUpTarget.tokens.map { Array($0.utf8) }, maxLength: 1 << 18)
        work = context.work
    }

    func generate(_ rng: inout FuzzRandom) -> Input {
        var table = lines
        var ops: [String] = []
        if rng.chance(0.3) {
            // A short table: the header and a slice.
            let start = rng.int(0..<max(1, table.count))
            table = Array(table.prefix(8)) + Array(table[start..<min(table.count, start + rng.int(1...20))])
            ops.append("slice")
        }
        for _ in 0..<rng.int(0...6) where !table.isEmpty {
            switch rng.int(0..<6) {
            case 0:
                table.remove(at: rng.int(0..<table.count)); ops.append("drop-line")
            case 1:
                let k = rng.int(0..<table.count); table.insert(table[k], at: rng.int(0...table.count)); ops.append("dup-line")
            case 2:
                table.swapAt(rng.int(0..<table.count), rng.int(0..<table.count)); ops.append("swap-lines")
            case 3:
                table.insert(Array(rng.pick(FollowUpTarget.hostileLines).utf8), at: rng.int(0...table.count)); ops.append("hostile-line")
            case 4:
                table.removeSubrange(rng.int(0..<table.count)...); ops.append("cut")
            default:
                let k = rng.int(0..<table.count)
                ops += mutator.mutate(&table[k], &rng, rounds: 3, keepUTF8: 0.9).map { "line:" + $0 }
            }
        }
        var bytes = Array(table.joined(separator: [0x0A]))
        if rng.chance(0.3) { ops += mutator.mutate(&bytes, &rng, rounds: 3, keepUTF8: 0.85) }
        return Input(bytes: bytes, viaFile: rng.chance(0.3), ops: ops)
    }

    func describe(_ input: Input) -> String {
        "\(input.bytes.count) bytes\(input.viaFile ? " (file)" : "") [\(input.ops.joined(separator: ","))]"
    }

    func save(_ input: Input, to directory: String) throws {
        try writeFile(directory + "/input.tsv", input.bytes)
    }

    mutating func execute(_ input: Input, violation: (String) -> Void) -> [String] {
        let lineCount = input.bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        var rows: [FollowUpRow]
        var issues: [CorpusError] = []
        if input.viaFile {
            counter += 1
            let path = work + "/fuzz-\(counter).tsv"
            defer { try? FileManager.default.removeItem(atPath: path) }
            do { try writeFile(path, input.bytes) } catch { return ["cannot write the input: \(error)"] }
            let lenient: FollowUpTableSource
            do { lenient = try FollowUpTableSource(path: path, skipBad: true) } catch {
                violation("skipBad still throws: \(error)")
                return [ErrorKind.of(error)]
            }
            rows = lenient.rows
            issues = lenient.skipped
            do {
                _ = try FollowUpTableSource(path: path, skipBad: false)
                if !issues.isEmpty { violation("the strict source accepts a table with \(issues.count) problems") }
            } catch {
                if error != issues.first { violation("the strict source throws \(error), the first problem is \(issues.first.map { "\($0)" } ?? "none")") }
            }
            var source = lenient
            var count = 0
            while true {
                let progress = source.progress
                if let total = progress.total, progress.consumed > total { violation("progress \(progress.consumed) past the total \(total)") }
                guard let doc = try? source.next() else { break }
                guard count < rows.count else { violation("more documents than rows"); break }
                if doc.id != rows[count].id { violation("document \(count) has id '\(doc.id)', its row '\(rows[count].id)'") }
                count += 1
            }
        } else {
            let text = String(decoding: input.bytes, as: UTF8.self)
            rows = FollowUpTable.parse(text: text, file: "fuzz.tsv", issues: &issues)
            do {
                let strict = try FollowUpTable.parse(text: text, file: "fuzz.tsv")
                if !issues.isEmpty { violation("the strict parse accepts a table with \(issues.count) problems") }
                if strict != rows { violation("strict and lenient parses of a good table differ") }
            } catch {
                if error != issues.first { violation("the strict parse throws \(error), the first problem is \(issues.first.map { "\($0)" } ?? "none")") }
            }
        }
        for issue in issues where issue.line < 1 || issue.line > lineCount {
            violation("problem on line \(issue.line) of a table of \(lineCount) lines: \(issue)")
        }
        var ids = Set<String>()
        for row in rows {
            if row.id.isEmpty { violation("a record with an empty id") }
            if !ids.insert(row.id).inserted { violation("duplicate record id '\(row.id)'") }
            if row.lines.isEmpty || zip(row.lines, row.lines.dropFirst()).contains(where: { $0 >= $1 })
                || row.lines.contains(where: { $0 < 1 || $0 > lineCount }) {
                violation("record '\(row.id)' has lines \(row.lines) in a table of \(lineCount) lines")
            }
            if row.document.id != row.id { violation("document id differs from the record id") }
        }
        return issues.map { ErrorKind.of($0) }
    }
}
