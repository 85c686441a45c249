/// Why a text could not be analyzed.
public enum AnalysisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input is not valid UTF-8; `byteOffset` is where the first bad sequence starts.
    case invalidUTF8(byteOffset: Int)
    /// ICU reported a failure.
    case icu(operation: String, code: String)

    public var description: String {
        switch self {
        case .invalidUTF8(let offset): "invalid UTF-8 at byte offset \(offset)"
        case .icu(let operation, let code): "ICU \(operation) failed: \(code)"
        }
    }
}
