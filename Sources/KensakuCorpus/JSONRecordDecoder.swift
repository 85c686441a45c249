/// Turns the lines of a JSON Lines corpus into documents, one at a time, and keeps the ids
/// seen so far (with their lines) to reject duplicates. See ``JSONLinesSource`` for the
/// rules and errors.
struct JSONRecordDecoder {
    /// The file named in errors.
    let file: String
    private var firstLine: [String: Int] = [:]
    private var scratch: [UInt8] = []

    /// Scratch capacity kept from line to line.
    static let scratchLimit = 16 << 20

    init(file: String) {
        self.file = file
        scratch.reserveCapacity(1 << 16)
    }

    /// The document of one line (`lineNumber` 1-based; line 1 may start with a byte order
    /// mark), or nil for a blank line. Registers the id, so that a later duplicate is caught.
    mutating func decode(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws(CorpusError) -> Document? {
        if JSONRecordDecoder.isBlank(line) { return nil }
        func failure(_ reason: CorpusError.Reason) -> CorpusError {
            CorpusError(file: file, line: lineNumber, reason: reason)
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
        // A huge string with escapes grew the scratch buffer: give it back after this line.
        defer { if scratch.capacity > JSONRecordDecoder.scratchLimit { scratch = []; scratch.reserveCapacity(1 << 16) } }
        do {
            members = try JSONObjectParser.parseObject(json, scratch: &scratch)
        } catch {
            // Strings are checked as they are decoded; on any error, check the whole line so
            // that invalid UTF-8 is reported first, at its first offset.
            if let bad = UTF8Validation.firstInvalidOffset(line) {
                throw failure(.invalidUTF8(byteOffset: bad))
            }
            if error.isEncodingError { throw failure(.invalidUTF8(byteOffset: error.offset + bom)) }
            throw failure(.malformedJSON(error.message, column: column(error.offset)))
        }

        guard let idMember = members.first(where: { $0.key == "id" }) else { throw failure(.missingID) }
        guard let id = idMember.string else {
            throw failure(.malformedJSON("\"id\" must be a string", column: column(idMember.valueOffset)))
        }
        if WhiteSpace.isBlank(id) { throw failure(.missingID) }

        var fields: [FieldValue] = []
        fields.reserveCapacity(members.count - 1)
        var hasText = false
        for member in members where member.key != "id" {
            guard let value = member.string else { continue }
            if !hasText, !WhiteSpace.isBlank(value) { hasText = true }
            fields.append(FieldValue(member.key, value))
        }
        guard hasText else { throw failure(.emptyDocument) }

        if let first = firstLine[id] { throw failure(.duplicateID(id, firstLine: first)) }
        firstLine[id] = lineNumber
        return Document(id: id, fields: fields)
    }

    /// True for a line of only spaces, tabs and CRs.
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
