/// The schema of a JSON Lines corpus: `title` (boost 2) and `body` are analyzed text; every
/// other string field (e.g. `source`, `category`) is analyzed *and* a keyword (filterable).
public struct JSONLinesSchema: CorpusSchema, Equatable {
    public init() {}

    public var titleField: String { "title" }

    public func spec(for field: String) -> FieldSpec {
        switch field {
        case "title": FieldSpec(name: field, analyzed: true, keyword: false, boost: 2.0)
        case "body": FieldSpec(name: field, analyzed: true, keyword: false, boost: 1.0)
        case "id": FieldSpec(name: field, analyzed: false, keyword: true, boost: 1.0)
        default: FieldSpec(name: field, analyzed: true, keyword: true, boost: 1.0)
        }
    }
}

/// Documents from a JSON Lines file: one JSON object per line, e.g.
///
///     {"id": "law2013-20cab551f1dbc318", "title": "民法（…）", "body": "民法\n…", "source": "github:…"}
///
/// - A path ending in `.zst` (or a file starting with the zstd magic number) is decompressed
///   as a stream through `kk_zstd_reader`; a plain file is read in 4 MiB chunks.
/// - Each line is parsed by a strict hand-written parser (see `JSONObjectParser`): all string
///   escapes, surrogate pairs; **a lone surrogate escape is an error**, not U+FFFD.
/// - `id` must be a non-empty string. Every *other string member* becomes a field, in the
///   order of the object; numbers, booleans, null, arrays and objects are checked but not
///   kept.
/// - Blank lines (only spaces, tabs, CR) are skipped. A UTF-8 byte order mark at the start of
///   the file is ignored.
///
/// Errors (``CorpusError``), each with the file and the 1-based line number:
/// - `.invalidUTF8(byteOffset:)` — the 0-based offset in the line of the first ill-formed
///   sequence (checked before the JSON syntax);
/// - `.malformedJSON(_, column:)` — the 1-based column, counted in Unicode scalars;
/// - `.missingID` (no `id`, or an empty or blank one; an `id` that is not a string is
///   `.malformedJSON`), `.duplicateID(_, firstLine:)`, `.emptyDocument` (every field
///   empty or whitespace).
///
/// With `skipBad`, such records are appended to ``skipped`` and reading goes on; without it,
/// ``next()`` throws them (a later call resumes after the bad line). An unreadable or corrupt
/// file (`.unreadable`) always throws.
public final class JSONLinesSource: DocumentSource {
    public let path: String
    public let skipBad: Bool
    public private(set) var skipped: [CorpusError] = []

    private let reader: LineReader
    private var firstLine: [String: Int] = [:]
    private var scratch: [UInt8] = []

    /// Opens `path` (plain or `.zst`). `maxLineLength` bounds the memory a single line may take.
    public init(path: String, skipBad: Bool = false, maxLineLength: Int = 1 << 30) throws(CorpusError) {
        self.path = path
        self.skipBad = skipBad
        let input = try ByteInput(path: path)
        self.reader = LineReader(input: input, maxLineLength: maxLineLength)
        scratch.reserveCapacity(1 << 16)
    }

    public var schema: any CorpusSchema { JSONLinesSchema() }

    /// Compressed bytes read for `.zst` input, bytes of complete lines otherwise; the total is
    /// the file's size on disk.
    public var progress: (consumed: UInt64, total: UInt64?) {
        let input = reader.input
        return (input.isCompressed ? input.consumed : reader.consumedBytes, input.fileSize)
    }

    /// Lines read so far (including blank and skipped ones).
    public var linesRead: Int { reader.lineNumber }

    public func next() throws(CorpusError) -> Document? {
        while let line = try reader.nextLine() {
            if JSONLinesSource.isBlank(line) { continue }
            do {
                return try record(line, lineNumber: reader.lineNumber)
            } catch {
                guard skipBad else { throw error }
                skipped.append(error)
            }
        }
        return nil
    }

    /// Parses one line (`lineNumber` 1-based) into a document and registers its id.
    private func record(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws(CorpusError) -> Document {
        func failure(_ reason: CorpusError.Reason) -> CorpusError {
            CorpusError(file: path, line: lineNumber, reason: reason)
        }
        if let bad = UTF8Validation.firstInvalidOffset(line) {
            throw failure(.invalidUTF8(byteOffset: bad))
        }
        var json = line
        if lineNumber == 1, line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
            json = UnsafeBufferPointer(rebasing: line[3...])
        }
        let bom = line.count - json.count
        func column(_ offset: Int) -> Int {
            UTF8Validation.scalarCount(line, upTo: offset + bom) + 1
        }

        let members: [JSONMember]
        do {
            members = try JSONObjectParser.parseObject(json, scratch: &scratch)
        } catch {
            throw failure(.malformedJSON(error.message, column: column(error.offset)))
        }

        guard let idMember = members.first(where: { $0.key == "id" }) else { throw failure(.missingID) }
        guard let id = idMember.string else {
            throw failure(.malformedJSON("\"id\" must be a string", column: column(idMember.valueOffset)))
        }
        if JSONLinesSource.isBlank(id) { throw failure(.missingID) }

        var fields: [FieldValue] = []
        fields.reserveCapacity(members.count - 1)
        var hasText = false
        for member in members where member.key != "id" {
            guard let value = member.string else { continue }
            if !hasText, !JSONLinesSource.isBlank(value) { hasText = true }
            fields.append(FieldValue(member.key, value))
        }
        guard hasText else { throw failure(.emptyDocument) }

        if let first = firstLine[id] { throw failure(.duplicateID(id, firstLine: first)) }
        firstLine[id] = lineNumber
        return Document(id: id, fields: fields)
    }

    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// True when `text` is empty or only white space (Unicode, including U+3000).
    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }
}
