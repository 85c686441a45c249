import KensakuTestSupport
import Testing

@testable import KensakuCorpus

/// One JSON Lines record at a time, through `JSONRecordDecoder` (no files).
@Suite struct JSONRecordTests {
    // MARK: Strings and escapes

    @Test(arguments: [
        (#"{"id":"a","body":"x\ny"}"#, "x\ny"),
        (#"{"id":"a","body":"\t\"\\\/\b\f\r"}"#, "\t\"\\/\u{08}\u{0C}\r"),
        (#"{"id":"a","body":"\u3042\u00e9\u0041"}"#, "あéA"),
        (#"{"id":"a","body":"\u0000"}"#, "\u{0}"),
        (#"{"id":"a","body":"\ud83d\ude00"}"#, "😀"),
        (#"{"id":"a","body":"\uD83D\uDE00!"}"#, "😀!"),
        (#"{"id":"a","body":"𠮷\ud842\udfb7"}"#, "𠮷𠮷"),
        (#"{"id":"a","body":"民法\n第一条\n私権は、"}"#, "民法\n第一条\n私権は、"),
        (#"{"id":"a","body":"no escapes at all"}"#, "no escapes at all"),
        (#"  {  "id" : "a" , "body" : "spaced"  }  "#, "spaced"),
        ("{\"id\":\"a\",\"body\":\"crlf\"}\r", "crlf"),
    ])
    func escapes(line: String, body: String) throws {
        let document = try #require(try decodeLine(line).get())
        #expect(document.id == "a")
        #expect(document.values("body") == [body])
    }

    @Test func escapedKeysAndIDs() throws {
        let document = try #require(try decodeLine(#"{"\u0069d":"\u6c11","t\u0069tle":"T"}"#).get())
        #expect(document.id == "民")
        #expect(document.values("title") == ["T"])
    }

    @Test func onlyStringFieldsAreKeptInObjectOrder() throws {
        let line = #"{"title":"題","id":"a","n":-1.5e+3,"ok":true,"no":false,"nil":null,"#
            + #""meta":{"k":[1,2,{"z":"deep"}],"e":{}},"list":[],"body":"本文","source":"src"}"#
        let document = try #require(try decodeLine(line).get())
        #expect(document.fields.map(\.name) == ["title", "body", "source"])
        #expect(document.values("source") == ["src"])
        #expect(document.values("meta").isEmpty)
    }

    // MARK: Lone surrogates are errors, at the backslash

    @Test(arguments: [
        (#"{"id":"a","body":"x\ud800"}"#, 20),
        (#"{"id":"a","body":"\ud800x"}"#, 19),
        (#"{"id":"a","body":"\udc00"}"#, 19),
        (#"{"id":"a","body":"\ud800\u0041"}"#, 19),
        (#"{"id":"a","body":"\ud800\udbff"}"#, 19),
        (#"{"id":"a","body":"あ\ud800"}"#, 20),
    ])
    func loneSurrogate(line: String, column: Int) throws {
        let error = try #require(decodeLine(line).failure)
        guard case .malformedJSON(let message, let reported) = error.reason else {
            Issue.record("expected malformedJSON, got \(error)")
            return
        }
        #expect(reported == column)
        #expect(message.contains("lone surrogate"))
    }

    // MARK: Malformed JSON: the column (in characters) of the problem

    @Test(arguments: [
        (#"{"id":"a" "body":"x"}"#, 11, "expected ',' or '}'"),
        (#"{"id":"a",}"#, 11, "expected a string key"),
        (#"{"id":"a","body":"x""#, 21, "end of the line"),
        (#"["id","a"]"#, 1, "must be a JSON object"),
        (#"{"id":"a","body":"x"} extra"#, 23, "after the end of the object"),
        (#"{"id":"a","body":"あいう" x}"#, 24, "'x'"),
        (#"{"id":"a","n":01}"#, 15, "leading zero"),
        (#"{"id":"a","n":1.}"#, 17, "digit must follow '.'"),
        (#"{"id":"a","n":-}"#, 15, "digit must follow '-'"),
        (#"{"id":"a","n":1e}"#, 17, "exponent"),
        (#"{"id":"a","n":tru}"#, 15, "invalid literal"),
        (#"{"id":"a","b":nul}"#, 15, "invalid literal"),
        (#"{"id":"a","n":+1}"#, 15, "expected a value"),
        ("{\"id\":\"a\",\"body\":\"tab\there\"}", 22, "control character U+0009"),
        (#"{"id":"a","body":"x\q"}"#, 20, "invalid escape"),
        (#"{"id":"a","body":"x\u12G4"}"#, 20, "four hexadecimal digits"),
        (#"{"id":"a","id":"b"}"#, 11, "duplicate key \"id\""),
        (#"{"id":"a","body":"unterminated}"#, 18, "unterminated string"),
        (#"{"id":"a","body":"漢字","x":[1,2}"#, 31, "expected ',' or ']'"),
        (#"{"id":"a","body":"x","#, 22, "expected a string key"),
        (#"{"id":"a" : "x""#, 11, "expected ',' or '}' but found ':'"),
        (#"{"id":"a","body":"x""#, 21, "expected ',' or '}' but found the end of the line"),
        (#"{'id':'a'}"#, 2, "expected a string key"),
        (#"{"id":"a","body":"x"}}"#, 22, "after the end of the object"),
        (#"{"id":7,"body":"x"}"#, 7, "\"id\" must be a string"),
    ])
    func malformed(line: String, column: Int, message: String) throws {
        let error = try #require(decodeLine(line, lineNumber: 42).failure)
        #expect(error.file == "test.jsonl")
        #expect(error.line == 42)
        guard case .malformedJSON(let reported, let reportedColumn) = error.reason else {
            Issue.record("expected malformedJSON, got \(error)")
            return
        }
        #expect(reportedColumn == column, "\(reported)")
        #expect(reported.contains(message), "\(reported)")
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let depth = 100_000
        let line = #"{"id":"a","body":"x","deep":"# + String(repeating: "[", count: depth)
            + String(repeating: "]", count: depth) + "}"
        let error = try #require(decodeLine(line).failure)
        guard case .malformedJSON(let message, _) = error.reason else {
            Issue.record("expected malformedJSON, got \(error)")
            return
        }
        #expect(message.contains("nesting"))
        // Within the limit it parses.
        let fine = #"{"id":"a","body":"x","deep":"# + String(repeating: "[", count: 500)
            + String(repeating: "]", count: 500) + "}"
        #expect(try decodeLine(fine).get()?.id == "a")
    }

    // MARK: Invalid UTF-8: the byte offset in the line

    @Test(arguments: [
        (Array(#"{"id":"a","body":"ab"#.utf8) + [0xFF] + Array(#""}"#.utf8), 20),
        (Array(#"{"id":"a","body":""#.utf8) + [0xE3, 0x81] + Array(#""}"#.utf8), 18),  // truncated
        (Array(#"{"id":"a","body":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8), 18),  // overlong
        (Array(#"{"id":"a","body":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8), 18),  // surrogate
        (Array(#"{"id":"a","body":""#.utf8) + [0xF4, 0x90, 0x80, 0x80] + Array(#""}"#.utf8), 18),  // > U+10FFFF
        (Array(#"{"id":"a","body":""#.utf8) + [0x80] + Array(#""}"#.utf8), 18),  // lone continuation
        (Array(#"{"id":"a","body":"あ"#.utf8) + [0xFF] + Array(#""}"#.utf8), 21),
        (Array(#"{"id":"a","#.utf8) + [0xFF] + Array("}".utf8), 10),  // outside strings
        (Array(#"{"id":"a","body":"x","m":[""#.utf8) + [0xFE] + Array(#""]}"#.utf8), 27),  // skipped value
        (Array(#"{"id":"a","body":""#.utf8) + [0xFF] + Array(#"" oops}"#.utf8), 18),  // before a syntax error
        (Array(#"{"i"#.utf8) + [0xFF] + Array(#"d":"a","body":"x"}"#.utf8), 3),  // in a key
        (Array(#"{"id":"a","body":"x\n"#.utf8) + [0xFF] + Array(#""}"#.utf8), 21),  // after an escape
    ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) throws {
        let error = try #require(decodeLine(bytes, lineNumber: 3).failure)
        #expect(error.line == 3)
        #expect(error.reason == .invalidUTF8(byteOffset: offset))
    }

    @Test func validatorAgreesWithTheStandardLibrary() {
        var generator = SeededGenerator(seed: 0x5EED)
        let alphabet: [UInt8] = [0x41, 0x7F, 0x80, 0xBF, 0xC2, 0xDF, 0xE0, 0xE3, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x8F, 0x90]
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 12)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let mine = UTF8Validation.firstInvalidOffset(bytes)
            let stdlib = String(validating: bytes, as: UTF8.self)
            #expect((mine == nil) == (stdlib != nil), "\(bytes)")
            if let mine {
                // Everything before the reported offset is valid.
                #expect(String(validating: bytes[..<mine], as: UTF8.self) != nil, "\(bytes)")
            }
        }
    }

    // MARK: Ids and empty documents

    @Test(arguments: [
        #"{"title":"t","body":"b"}"#,
        #"{"id":"","body":"b"}"#,
        #"{"id":" 　","body":"b"}"#,
        #"{}"#,
    ])
    func missingID(line: String) throws {
        #expect(decodeLine(line).failure?.reason == .missingID)
    }

    @Test(arguments: [
        #"{"id":"a"}"#,
        #"{"id":"a","title":"","body":"　 \n\t"}"#,
        #"{"id":"a","n":5,"list":["not kept"]}"#,
    ])
    func emptyDocument(line: String) throws {
        #expect(decodeLine(line).failure?.reason == .emptyDocument)
    }

    @Test func duplicateIDNamesTheFirstLine() throws {
        var decoder = JSONRecordDecoder(file: "dup.jsonl")
        func decode(_ text: String, _ line: Int) -> Result<Document?, CorpusError> {
            Array(text.utf8).withUnsafeBufferPointer { buffer in
                Result { () throws(CorpusError) in try decoder.decode(buffer, lineNumber: line) }
            }
        }
        #expect(try decode(#"{"id":"a","body":"one"}"#, 1).get()?.id == "a")
        #expect(try decode(#"{"id":"b","body":"two"}"#, 2).get()?.id == "b")
        // A record rejected for another reason does not claim its id.
        #expect(decode(#"{"id":"c","body":""}"#, 3).failure?.reason == .emptyDocument)
        #expect(try decode(#"{"id":"c","body":"three"}"#, 4).get()?.id == "c")
        let error = try #require(decode(#"{"id":"a","body":"again"}"#, 7).failure)
        #expect(error == CorpusError(file: "dup.jsonl", line: 7, reason: .duplicateID("a", firstLine: 1)))
    }

    @Test func blankLinesAndByteOrderMark() throws {
        #expect(try decodeLine("").get() == nil)
        #expect(try decodeLine(" \t\r").get() == nil)
        let withBOM = [0xEF, 0xBB, 0xBF] + Array(#"{"id":"a","body":"b"}"#.utf8)
        #expect(try decodeLine(withBOM).get()?.id == "a")
        // Only on line 1; and positions still count the mark.
        #expect(decodeLine(withBOM, lineNumber: 2).failure != nil)
        let broken = [0xEF, 0xBB, 0xBF] + Array(#"{"id":"a" "body":"b"}"#.utf8)
        #expect(decodeLine(broken).failure?.reason == .malformedJSON("expected ',' or '}' but found '\"'", column: 12))
    }

    @Test func schema() {
        let schema = JSONLinesSchema()
        #expect(schema.titleField == "title")
        #expect(schema.spec(for: "title") == FieldSpec(name: "title", analyzed: true, keyword: false, boost: 2.0))
        #expect(schema.spec(for: "body") == FieldSpec(name: "body", analyzed: true, keyword: false, boost: 1.0))
        #expect(schema.spec(for: "source") == FieldSpec(name: "source", analyzed: true, keyword: true, boost: 1.0))
    }
}

