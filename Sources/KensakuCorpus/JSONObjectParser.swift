/// A JSON syntax error: what is wrong and the 0-based byte offset in the parsed bytes where
/// it was found.
struct JSONSyntaxError: Error, Equatable {
    var message: String
    var offset: Int
    /// True when the problem is invalid UTF-8 inside a string rather than JSON syntax (the
    /// offset is then only somewhere at or after the string's start).
    var isEncodingError = false
}

/// One member of a parsed JSON object.
struct JSONMember: Equatable {
    var key: String
    /// The decoded value when it is a JSON string; nil for numbers, booleans, null, arrays
    /// and objects (which are checked but not kept).
    var string: String?
    /// Byte offsets of the key's opening quote and of the value's first byte.
    var keyOffset: Int
    var valueOffset: Int
}

/// A strict, hand-written parser for one JSON object on one line (RFC 8259), built for speed:
/// it scans raw bytes, copies a string only when it contains escapes, and keeps only string
/// values.
///
/// Strictness:
/// - the line must hold exactly one object (surrounding whitespace allowed);
/// - keys of the object are unique (a duplicate key is an error: which value would win is
///   ambiguous);
/// - strings: all escapes `\" \\ \/ \b \f \n \r \t \uXXXX`; a surrogate pair written as two
///   `\u` escapes is combined; **a lone surrogate escape (a high one not followed by a low
///   one, or a low one alone) is an error** at the backslash, never replaced by U+FFFD;
///   raw control characters (U+0000–U+001F) are errors;
/// - numbers follow the JSON grammar (no leading zeros, `+`, `.5`, `NaN`…); `true`, `false`,
///   `null`; nested arrays and objects are checked, to a depth of ``maxDepth``.
///
/// Only string contents may be non-ASCII; they are checked to be UTF-8 (and an error flagged
/// `isEncodingError` thrown otherwise). Anywhere else a non-ASCII byte is a syntax error, so
/// a caller wanting to report invalid UTF-8 first should check the line when any error comes.
struct JSONObjectParser {
    /// Deepest nesting of arrays and objects accepted (the record object is depth 1).
    static let maxDepth = 512

    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var i = 0
    private var scratch: [UInt8]

    private init(base: UnsafePointer<UInt8>, count: Int, scratch: [UInt8]) {
        self.base = base
        self.count = count
        self.scratch = scratch
    }

    /// Parses `bytes` as one JSON object and returns its members in order. `scratch` is a
    /// reusable buffer for strings with escapes (pass the same one for every line).
    static func parseObject(
        _ bytes: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8]
    ) throws(JSONSyntaxError) -> [JSONMember] {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONSyntaxError(message: "expected '{' but found the end of the line", offset: 0)
        }
        var parser = JSONObjectParser(base: base, count: bytes.count, scratch: [])
        swap(&parser.scratch, &scratch)
        defer { swap(&parser.scratch, &scratch) }
        return try parser.topLevelObject()
    }

    /// Parses a complete line from an array (convenience for tests).
    static func parseObject(_ bytes: [UInt8]) throws(JSONSyntaxError) -> [JSONMember] {
        var scratch: [UInt8] = []
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONSyntaxError) in try parseObject(buffer, scratch: &scratch) }
        }
        return try result.get()
    }

    // MARK: - Structure

    private mutating func topLevelObject() throws(JSONSyntaxError) -> [JSONMember] {
        skipWhitespace()
        guard i < count, base[i] == UInt8(ascii: "{") else {
            throw fail("a record must be a JSON object: expected '{' but found \(found())")
        }
        i += 1
        var members: [JSONMember] = []
        var keys = Set<String>()
        skipWhitespace()
        if i < count, base[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                guard i < count, base[i] == UInt8(ascii: "\"") else {
                    throw fail("expected a string key but found \(found())")
                }
                let keyOffset = i
                let key = try string(decode: true) ?? ""
                guard keys.insert(key).inserted else {
                    throw JSONSyntaxError(message: "duplicate key \"\(key)\"", offset: keyOffset)
                }
                skipWhitespace()
                guard i < count, base[i] == UInt8(ascii: ":") else {
                    throw fail("expected ':' after the key but found \(found())")
                }
                i += 1
                skipWhitespace()
                let valueOffset = i
                var value: String?
                if i < count, base[i] == UInt8(ascii: "\"") {
                    value = try string(decode: true)
                } else {
                    try skipValue(depth: 2)
                }
                members.append(JSONMember(key: key, string: value, keyOffset: keyOffset, valueOffset: valueOffset))
                skipWhitespace()
                guard i < count else { throw fail("expected ',' or '}' but found the end of the line") }
                if base[i] == UInt8(ascii: ",") {
                    i += 1
                    skipWhitespace()
                    continue
                }
                if base[i] == UInt8(ascii: "}") {
                    i += 1
                    break
                }
                throw fail("expected ',' or '}' but found \(found())")
            }
        }
        skipWhitespace()
        guard i == count else { throw fail("unexpected \(found()) after the end of the object") }
        return members
    }

    /// Checks one value of any kind and moves past it.
    private mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
        guard i < count else { throw fail("expected a value but found the end of the line") }
        switch base[i] {
        case UInt8(ascii: "\""):
            _ = try string(decode: false)
        case UInt8(ascii: "{"):
            try container(close: UInt8(ascii: "}"), keyed: true, depth: depth)
        case UInt8(ascii: "["):
            try container(close: UInt8(ascii: "]"), keyed: false, depth: depth)
        case UInt8(ascii: "t"):
            try literal("true")
        case UInt8(ascii: "f"):
            try literal("false")
        case UInt8(ascii: "n"):
            try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
        default:
            throw fail("expected a value but found \(found())")
        }
    }

    /// A nested array (`keyed` false) or object, with `i` on its opening bracket.
    private mutating func container(close: UInt8, keyed: Bool, depth: Int) throws(JSONSyntaxError) {
        guard depth <= JSONObjectParser.maxDepth else {
            throw fail("nesting deeper than \(JSONObjectParser.maxDepth) levels")
        }
        i += 1
        skipWhitespace()
        if i < count, base[i] == close {
            i += 1
            return
        }
        let closeText = keyed ? "'}'" : "']'"
        while true {
            if keyed {
                guard i < count, base[i] == UInt8(ascii: "\"") else {
                    throw fail("expected a string key but found \(found())")
                }
                _ = try string(decode: false)
                skipWhitespace()
                guard i < count, base[i] == UInt8(ascii: ":") else {
                    throw fail("expected ':' after the key but found \(found())")
                }
                i += 1
                skipWhitespace()
            }
            try skipValue(depth: depth + 1)
            skipWhitespace()
            guard i < count else { throw fail("expected ',' or \(closeText) but found the end of the line") }
            if base[i] == UInt8(ascii: ",") {
                i += 1
                skipWhitespace()
                continue
            }
            if base[i] == close {
                i += 1
                return
            }
            throw fail("expected ',' or \(closeText) but found \(found())")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let length = word.utf8CodeUnitCount
        let start = word.utf8Start
        guard count - i >= length else { throw fail("invalid literal (expected \(word))") }
        for k in 0..<length where base[i + k] != start[k] {
            throw JSONSyntaxError(message: "invalid literal (expected \(word))", offset: i)
        }
        i += length
    }

    private mutating func number() throws(JSONSyntaxError) {
        let start = i
        if base[i] == UInt8(ascii: "-") { i += 1 }
        guard i < count, isDigit(base[i]) else {
            throw JSONSyntaxError(message: "invalid number: a digit must follow '-'", offset: start)
        }
        if base[i] == UInt8(ascii: "0") {
            i += 1
            if i < count, isDigit(base[i]) {
                throw JSONSyntaxError(message: "invalid number: leading zero", offset: start)
            }
        } else {
            while i < count, isDigit(base[i]) { i += 1 }
        }
        if i < count, base[i] == UInt8(ascii: ".") {
            i += 1
            guard i < count, isDigit(base[i]) else { throw fail("invalid number: a digit must follow '.'") }
            while i < count, isDigit(base[i]) { i += 1 }
        }
        if i < count, base[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < count, base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") { i += 1 }
            guard i < count, isDigit(base[i]) else { throw fail("invalid number: the exponent needs digits") }
            while i < count, isDigit(base[i]) { i += 1 }
        }
    }

    // MARK: - Strings

    /// A string with `i` on its opening quote; returns the decoded text when `decode` is set.
    /// Its raw bytes are checked to be UTF-8 (an `encoding` error otherwise).
    private mutating func string(decode: Bool) throws(JSONSyntaxError) -> String? {
        let open = i
        i += 1
        var runStart = i
        var escaped = false
        let raw = UnsafeRawPointer(base)
        while i < count {
            // Fast path: eight bytes at a time while none is '"', '\\' or a control character.
            while i + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let quote = word ^ 0x2222_2222_2222_2222
                let backslash = word ^ 0x5C5C_5C5C_5C5C_5C5C
                let special =
                    ((quote &- 0x0101_0101_0101_0101) & ~quote)
                    | ((backslash &- 0x0101_0101_0101_0101) & ~backslash)
                    | ((word &- 0x2020_2020_2020_2020) & ~word)
                if special & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            guard i < count else { break }
            let byte = base[i]
            if byte == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(start: base + runStart, count: i - runStart)
                i += 1
                guard decode else {
                    if let bad = UTF8Validation.firstInvalidOffset(run) { throw encodingError(runStart + bad) }
                    return nil
                }
                let text: String?
                if escaped {
                    scratch.append(contentsOf: run)
                    text = String(validating: scratch, as: UTF8.self)
                } else {
                    text = String(validating: run, as: UTF8.self)
                }
                guard let text else { throw encodingError(open) }
                return text
            }
            if byte == UInt8(ascii: "\\") {
                let run = UnsafeBufferPointer(start: base + runStart, count: i - runStart)
                if decode {
                    if !escaped {
                        scratch.removeAll(keepingCapacity: true)
                        // The decoded string is no longer than the rest of the line: room for it
                        // at once, rather than doubling copies of a huge string.
                        if scratch.capacity < count - runStart { scratch.reserveCapacity(count - runStart) }
                    }
                    scratch.append(contentsOf: run)
                } else if let bad = UTF8Validation.firstInvalidOffset(run) {
                    throw encodingError(runStart + bad)
                }
                escaped = true
                try escape(decode: decode)
                runStart = i
                continue
            }
            if byte < 0x20 {
                throw fail("control character \(hex(UInt32(byte))) in a string (it must be escaped)")
            }
            i += 1
        }
        throw JSONSyntaxError(message: "unterminated string (no closing '\"' on this line)", offset: open)
    }

    private func encodingError(_ offset: Int) -> JSONSyntaxError {
        JSONSyntaxError(message: "invalid UTF-8 in a string", offset: offset, isEncodingError: true)
    }

    /// One escape sequence with `i` on its backslash.
    private mutating func escape(decode: Bool) throws(JSONSyntaxError) {
        let at = i
        guard i + 1 < count else {
            throw JSONSyntaxError(message: "unterminated escape sequence", offset: at)
        }
        let letter = base[i + 1]
        var decoded: UInt8
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded = letter
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            guard let unit = hex4(at: i + 2) else {
                throw JSONSyntaxError(message: "\\u must be followed by four hexadecimal digits", offset: at)
            }
            i += 6
            var scalar = unit
            if (0xD800...0xDBFF).contains(unit) {
                guard i + 1 < count, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u"),
                    let low = hex4(at: i + 2), (0xDC00...0xDFFF).contains(low)
                else {
                    throw JSONSyntaxError(
                        message: "lone surrogate \\u\(hex4Text(unit)): a high surrogate must be followed by a \\u low surrogate",
                        offset: at)
                }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                i += 6
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw JSONSyntaxError(
                    message: "lone surrogate \\u\(hex4Text(unit)): a low surrogate without a high one before it",
                    offset: at)
            }
            if decode { appendUTF8(scalar) }
            return
        default:
            throw JSONSyntaxError(message: "invalid escape sequence '\\\(describe(byte: letter))'", offset: at)
        }
        if decode { scratch.append(decoded) }
        i += 2
    }

    private func hex4(at offset: Int) -> UInt32? {
        guard offset + 4 <= count else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let byte = base[offset + k]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            scratch.append(UInt8(scalar))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: - Helpers

    @inline(__always)
    private mutating func skipWhitespace() {
        while i < count {
            switch base[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    private func fail(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, offset: i)
    }

    /// What is at `i`, for messages: `'x'`, a code point, or "the end of the line".
    private func found() -> String {
        guard i < count else { return "the end of the line" }
        let lead = base[i]
        guard lead >= 0x80 else { return describe(byte: lead) }
        // A whole UTF-8 sequence (the line is valid UTF-8).
        var end = i + 1
        while end < count, end - i < 4, UTF8Validation.isContinuation(base[end]) { end += 1 }
        let text = String(decoding: UnsafeBufferPointer(start: base + i, count: end - i), as: UTF8.self)
        let code = text.unicodeScalars.first.map { hex($0.value) } ?? "?"
        return "'\(text)' (\(code))"
    }

    private func describe(byte: UInt8) -> String {
        if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return hex(UInt32(byte))
    }

    private func hex(_ value: UInt32) -> String {
        "U+" + hex4Text(value)
    }

    private func hex4Text(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
