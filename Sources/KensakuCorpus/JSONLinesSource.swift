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
///   sequence (reported rather than any JSON syntax error on the same line);
/// - `.malformedJSON(_, column:)` — the 1-based column, counted in Unicode scalars;
/// - `.missingID` (no `id`, or an empty or blank one; an `id` that is not a string is
///   `.malformedJSON`), `.duplicateID(_, firstLine:)`, `.emptyDocument` (every field
///   empty or whitespace);
/// - `.unreadable` for a line longer than `maxLineLength` (a record error like the others).
///
/// With `skipBad`, such records are appended to ``skipped`` and reading goes on; without it,
/// ``next()`` throws them (a later call resumes after the bad line). A file that cannot be
/// read or a corrupt zstd stream (`.unreadable`) always throws.
public final class JSONLinesSource: DocumentSource {
    /// The file, as given (errors name it).
    public let path: String
    /// Whether bad records are skipped (and listed in ``skipped``) rather than thrown.
    public let skipBad: Bool
    public private(set) var skipped: [CorpusError] = []

    private let reader: LineReader
    private var decoder: JSONRecordDecoder

    /// Opens `path` (plain or `.zst`). `maxLineLength` bounds the memory a single line may take.
    public init(path: String, skipBad: Bool = false, maxLineLength: Int = 1 << 30) throws(CorpusError) {
        self.path = path
        self.skipBad = skipBad
        let input = try ByteInput(path: path)
        self.reader = LineReader(input: input, maxLineLength: maxLineLength)
        self.decoder = JSONRecordDecoder(file: path)
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
            // The line's bytes are decoded (copied) by now: a huge line's buffer goes back.
            defer { reader.shrink() }
            do throws(CorpusError) {
                switch line {
                case .bytes(let bytes):
                    guard let document = try decoder.decode(bytes, lineNumber: reader.lineNumber) else { continue }
                    return document
                case .tooLong(let length):
                    throw CorpusError(
                        file: path, line: reader.lineNumber,
                        reason: .unreadable("line of \(length) bytes, longer than the limit of \(reader.maxLineLength)"))
                }
            } catch {
                guard skipBad else { throw error }
                skipped.append(error)
            }
        }
        return nil
    }
}
