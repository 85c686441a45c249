import Foundation

/// A fuzz target: generates inputs from a random stream and runs them.
protocol FuzzTarget {
    associatedtype Input
    static var name: String { get }
    init(context: FuzzContext) throws
    /// Input from the stream (deterministic for a stream).
    func generate(_ rng: inout FuzzRandom) -> Input
    /// Runs one input. Returns the kinds of the errors it was answered with (empty when it was
    /// accepted); invariant violations go to `violation`.
    mutating func execute(_ input: Input, violation: (String) -> Void) -> [String]
    /// One line about the input, for logs.
    func describe(_ input: Input) -> String
    /// Writes the input where a person can replay it (a file, or an index directory).
    func save(_ input: Input, to directory: String) throws
}

enum Targets {
    static let names = [AnalyzerTarget.name, QueryTarget.name, JSONLTarget.name, FollowUpTarget.name, ReaderTarget.name]

    /// Runs `body` with the target called `name`.
    static func with<R>(_ name: String, _ body: (any FuzzTarget.Type) throws -> R) throws -> R {
        switch name {
        case AnalyzerTarget.name: try body(AnalyzerTarget.self)
        case QueryTarget.name: try body(QueryTarget.self)
        case JSONLTarget.name: try body(JSONLTarget.self)
        case FollowUpTarget.name: try body(FollowUpTarget.self)
        case ReaderTarget.name: try body(ReaderTarget.self)
        default: throw FuzzError("unknown target '\(name)' (targets: \(names.joined(separator: ", ")))")
        }
    }
}

struct FuzzError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Writes `bytes` to `path`.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// A one-line preview of text for logs.
func preview(_ bytes: [UInt8], _ limit: Int = 60) -> String {
    let text = String(decoding: bytes.prefix(limit * 4), as: UTF8.self)
    var out = ""
    for scalar in text.unicodeScalars.prefix(limit) {
        out += scalar.value < 0x20 || scalar.value == 0x7F || (0xFFF0...0xFFFF).contains(scalar.value)
            ? String(format: "\\u{%X}", scalar.value) : String(scalar)
    }
    return out + (text.unicodeScalars.count > limit ? "…" : "")
}
