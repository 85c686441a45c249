/// A parsed query (see the README's query language).
public indirect enum Query: Sendable, Equatable {
    /// A term or a quoted phrase, optionally restricted to one field. Both match as a
    /// substring of the normalized field text; a phrase may contain spaces.
    case term(field: String?, text: String, phrase: Bool)
    case and([Query])
    case or([Query])
    case not(Query)
}

/// A malformed query, with the 1-based column (in characters) where the problem is.
public struct QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var column: Int
    public var description: String { "query error at column \(column): \(message)" }
}

/// Parses the query language:
///
///     query   := orExpr
///     orExpr  := andExpr ("OR" andExpr)*
///     andExpr := unary+                          (whitespace = AND; ASCII or U+3000)
///     unary   := "-" primary | primary
///     primary := "(" orExpr ")" | [field ":"] (word | "\"" phrase "\"")
///
/// A field name is ASCII letters, digits and `_`. Nesting is limited to ``maxDepth``.
public struct QueryParser {
    public static let maxDepth = 64
    /// Most terms in one query: each term costs postings cursors and memory, so a bigger query
    /// is refused with an error rather than allowed to take unbounded time and memory.
    public static let maxTerms = 1024
    /// Longest term or phrase, in characters.
    public static let maxTermLength = 1024
    private let chars: [Character]
    /// Each character's scalar value when it is one scalar (CRLF counts as a line feed), else
    /// `UInt32.max`: the syntax is ASCII and the ideographic space, so the parser tests these
    /// integers instead of comparing `Character`s, which costs a string comparison each.
    private let codes: [UInt32]
    private var index = 0
    private var depth = 0
    private var terms = 0

    public static func parse(_ text: String) throws(QueryError) -> Query {
        var parser = QueryParser(chars: Array(text))
        parser.skipSpace()
        guard parser.index < parser.chars.count else { throw QueryError(message: "empty query", column: 1) }
        let query = try parser.orExpr()
        parser.skipSpace()
        if parser.index < parser.chars.count {
            throw QueryError(message: parser.at(parser.index, ")") ? "unbalanced ')'" : "unexpected '\(parser.chars[parser.index])'", column: parser.index + 1)
        }
        return query
    }

    private init(chars: [Character]) {
        self.chars = chars
        codes = chars.map { c in
            let scalars = c.unicodeScalars
            if c == "\r\n" { return 0x0A }
            return scalars.count == 1 ? scalars.first!.value : UInt32.max
        }
    }

    private static func isSpace(_ code: UInt32) -> Bool { code == 0x20 || code == 0x09 || code == 0x0A || code == 0x0D || code == 0x3000 }

    /// Whether character `i` is the ASCII character `c`.
    @inline(__always)
    private func at(_ i: Int, _ c: Unicode.Scalar) -> Bool { codes[i] == c.value }

    private mutating func skipSpace() {
        while index < chars.count && Self.isSpace(codes[index]) { index += 1 }
    }

    private func atOR() -> Bool {
        index + 2 <= chars.count && at(index, "O") && at(index + 1, "R")
            && (index + 2 == chars.count || Self.isSpace(codes[index + 2]))
    }

    private mutating func orExpr() throws(QueryError) -> Query {
        var parts = [try andExpr()]
        while true {
            skipSpace()
            guard atOR() else { break }
            let column = index + 1
            index += 2
            skipSpace()
            guard index < chars.count, !at(index, ")") else { throw QueryError(message: "OR needs a term after it", column: column) }
            parts.append(try andExpr())
        }
        return parts.count == 1 ? parts[0] : .or(parts)
    }

    private mutating func andExpr() throws(QueryError) -> Query {
        var parts: [Query] = []
        while true {
            skipSpace()
            guard index < chars.count, !at(index, ")"), !atOR() else { break }
            parts.append(try unary())
        }
        guard !parts.isEmpty else {
            throw QueryError(message: index < chars.count && at(index, ")") ? "empty group or unbalanced ')'" : "expected a term", column: index + 1)
        }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    private mutating func unary() throws(QueryError) -> Query {
        if at(index, "-") && index + 1 < chars.count && !Self.isSpace(codes[index + 1]) {
            index += 1
            return .not(try primary())
        }
        return try primary()
    }

    private mutating func primary() throws(QueryError) -> Query {
        let start = index
        if at(index, "(") {
            depth += 1
            guard depth <= Self.maxDepth else { throw QueryError(message: "parentheses nested deeper than \(Self.maxDepth)", column: index + 1) }
            index += 1
            skipSpace()
            guard index < chars.count else { throw QueryError(message: "unbalanced '('", column: start + 1) }
            let inner = try orExpr()
            skipSpace()
            guard index < chars.count, at(index, ")") else { throw QueryError(message: "unbalanced '('", column: start + 1) }
            index += 1
            depth -= 1
            return inner
        }
        var field: String?
        var j = index
        while j < chars.count, Self.isFieldNameCharacter(codes[j]) { j += 1 }
        if j > index, j < chars.count, at(j, ":"), j + 1 < chars.count, !Self.isSpace(codes[j + 1]) {
            field = String(chars[index..<j])
            index = j + 1
        }
        if at(index, "\"") {
            let open = index
            index += 1
            var text = ""
            while index < chars.count && !at(index, "\"") {
                text.append(chars[index])
                index += 1
            }
            guard index < chars.count else { throw QueryError(message: "unbalanced '\"'", column: open + 1) }
            index += 1
            guard codes[(open + 1)..<(index - 1)].contains(where: { !Self.isSpace($0) }) else {
                throw QueryError(message: "empty phrase", column: open + 1)
            }
            try count(text, column: open + 1)
            return .term(field: field, text: text, phrase: true)
        }
        var text = ""
        while index < chars.count, !Self.isSpace(codes[index]), !at(index, "("), !at(index, ")"), !at(index, "\"") {
            text.append(chars[index])
            index += 1
        }
        guard !text.isEmpty else {
            throw QueryError(message: at(index, ")") ? "unbalanced ')'" : "expected a term", column: index + 1)
        }
        try count(text, column: start + 1)
        return .term(field: field, text: text, phrase: false)
    }

    /// ASCII letters, digits and `_`.
    private static func isFieldNameCharacter(_ code: UInt32) -> Bool {
        (0x30...0x39).contains(code) || (0x41...0x5A).contains(code) || (0x61...0x7A).contains(code) || code == 0x5F
    }

    private mutating func count(_ text: String, column: Int) throws(QueryError) {
        terms += 1
        guard terms <= Self.maxTerms else {
            throw QueryError(message: "too many terms (the limit is \(Self.maxTerms))", column: column)
        }
        guard text.count <= Self.maxTermLength else {
            throw QueryError(message: "term longer than \(Self.maxTermLength) characters", column: column)
        }
    }
}
