#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The corpus formats Kensaku reads, and how to open one.
public enum CorpusFormat: String, Sendable, CaseIterable {
    /// A follow-up report table (`.tsv`): ``FollowUpTableSource``.
    case followup
    /// JSON Lines, plain or zstd-compressed: ``JSONLinesSource``.
    case jsonl
    /// A directory of `.txt`/`.md` files (or one such file): ``TextDirectorySource``.
    case text

    /// The format of `path` (case-insensitive on the extension): a directory → `text`;
    /// `.tsv` → `followup`; `.jsonl`, `.json`, `.ndjson`, with or without `.zst`, → `jsonl`;
    /// `.txt`, `.md` → `text`; anything else (including a bare `.zst`) → `jsonl`.
    public static func detect(path: String) -> CorpusFormat {
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { return .text }
        var name = path.lowercased()
        if name.hasSuffix(".zst") { name.removeLast(4) }
        if name.hasSuffix(".tsv") { return .followup }
        if name.hasSuffix(".txt") || name.hasSuffix(".md") { return .text }
        return .jsonl
    }

    /// Opens `path` as a corpus of this format. With `skipBad`, bad records are skipped and
    /// listed in the source's `skipped` instead of being thrown.
    public func open(path: String, skipBad: Bool = false) throws(CorpusError) -> any DocumentSource {
        switch self {
        case .followup: try FollowUpTableSource(path: path, skipBad: skipBad)
        case .jsonl: try JSONLinesSource(path: path, skipBad: skipBad)
        case .text: try TextDirectorySource(path: path, skipBad: skipBad)
        }
    }

    /// The schema of this format's documents.
    public var schema: any CorpusSchema {
        switch self {
        case .followup: FollowUpSchema()
        case .jsonl: JSONLinesSchema()
        case .text: TextDirectorySchema()
        }
    }
}
