/// A document as ingested: a stable id and named fields, each with one or more values.
public struct Document: Sendable, Equatable {
    /// Stable, unique within a corpus.
    public var id: String
    /// Fields in corpus order. A field name appears at most once; multi-valued fields
    /// (e.g. `ministry`) hold several values.
    public var fields: [FieldValue]

    public init(id: String, fields: [FieldValue]) {
        self.id = id
        self.fields = fields
    }

    /// The values of field `name` (empty when absent).
    public func values(_ name: String) -> [String] {
        fields.first { $0.name == name }?.values ?? []
    }
}

public struct FieldValue: Sendable, Equatable {
    public var name: String
    public var values: [String]

    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }

    public init(_ name: String, _ value: String) {
        self.init(name: name, values: [value])
    }
}

/// How a field is indexed.
public struct FieldSpec: Sendable, Equatable, Codable {
    public var name: String
    /// Analyzed into word and gram postings (searchable by `name:term` and by bare terms).
    public var analyzed: Bool
    /// Indexed as exact (normalized) values too: filters (`--filter name=value`) and facets.
    public var keyword: Bool
    /// BM25 weight of the field.
    public var boost: Double

    public init(name: String, analyzed: Bool = true, keyword: Bool = false, boost: Double = 1.0) {
        self.name = name
        self.analyzed = analyzed
        self.keyword = keyword
        self.boost = boost
    }
}

/// What a corpus format says about its fields.
public protocol CorpusSchema: Sendable {
    /// The field shown as a result's title (`title` for JSON Lines, `measure` for the follow-up table).
    var titleField: String { get }
    /// How to index a field of this name.
    func spec(for field: String) -> FieldSpec
}

/// A stream of documents from a corpus.
public protocol DocumentSource {
    var schema: any CorpusSchema { get }
    /// The next document, or nil at the end. With `skipBad` off, a bad record throws; with it
    /// on, bad records are counted in ``skipped`` and passed over.
    mutating func next() throws(CorpusError) -> Document?
    /// Records skipped so far (only with `skipBad`), each with its reason.
    var skipped: [CorpusError] { get }
    /// Input bytes consumed so far and the total, when known (for progress).
    var progress: (consumed: UInt64, total: UInt64?) { get }
}

/// A bad record or an unreadable corpus, with where it is.
public struct CorpusError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unreadable(String)
        case invalidUTF8(byteOffset: Int)
        case malformedJSON(String, column: Int)
        case missingID
        case duplicateID(String, firstLine: Int)
        case emptyDocument
        case malformedTable(String)
    }

    public var file: String
    /// 1-based line number, 0 when the error concerns the whole file.
    public var line: Int
    public var reason: Reason

    public init(file: String, line: Int, reason: Reason) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        switch reason {
        case .unreadable(let why): return "\(place): cannot read: \(why)"
        case .invalidUTF8(let offset): return "\(place): invalid UTF-8 at byte offset \(offset) of the line"
        case .malformedJSON(let why, let column): return "\(place):\(column): malformed JSON: \(why)"
        case .missingID: return "\(place): the record has no \"id\""
        case .duplicateID(let id, let first): return "\(place): duplicate id \"\(id)\" (first seen on line \(first))"
        case .emptyDocument: return "\(place): empty document (no text in any field)"
        case .malformedTable(let why): return "\(place): \(why)"
        }
    }
}
