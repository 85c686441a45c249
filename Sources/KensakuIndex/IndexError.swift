/// Why an index could not be built, opened or read. Corrupt bytes always end here, as a
/// value: the reader never traps on what it finds on disk.
public enum IndexError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAnIndex(directory: String)
    case missingFile(String)
    case io(path: String, reason: String)
    case badMagic(file: String)
    case unsupportedVersion(file: String, found: UInt32, supported: UInt32)
    case truncated(file: String)
    case checksumMismatch(file: String, expected: UInt32, actual: UInt32)
    case sizeMismatch(file: String, expected: Int, actual: Int)
    case corrupt(file: String, offset: Int, reason: String)
    case manifest(String)
    case analyzerMismatch(String)
    case build(String)

    public var description: String {
        switch self {
        case .notAnIndex(let dir): "\(dir): not a Kensaku index (no manifest.json); build one with `kensaku index build`"
        case .missingFile(let file): "\(file): missing index file"
        case .io(let path, let reason): "\(path): \(reason)"
        case .badMagic(let file): "\(file): not a Kensaku index file (bad magic)"
        case .unsupportedVersion(let file, let found, let supported):
            "\(file): index format version \(found) is not supported (this build reads version \(supported)); rebuild the index"
        case .truncated(let file): "\(file): file is truncated"
        case .checksumMismatch(let file, let expected, let actual):
            "\(file): checksum mismatch (expected \(hex(expected)), found \(hex(actual))): the file is corrupt"
        case .sizeMismatch(let file, let expected, let actual): "\(file): size \(actual) bytes, manifest says \(expected)"
        case .corrupt(let file, let offset, let reason): "\(file): corrupt at byte offset \(offset): \(reason)"
        case .manifest(let reason): "manifest.json: \(reason)"
        case .analyzerMismatch(let reason): "analyzer mismatch: \(reason); rebuild the index"
        case .build(let reason): reason
        }
    }
}

func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
