import Foundation
import KensakuAnalysis
import KensakuCorpus

/// `manifest.json`: the commit point of an index. It names the generation's files with their
/// sizes and checksums, and records what a reader must match: the format version, the ICU
/// and Unicode versions and the analyzer settings. It is written last, to a temporary name,
/// fsynced and renamed into place, so a reader sees the old index or the new one, never a mix.
public struct Manifest: Codable, Sendable, Equatable {
    public struct FileEntry: Codable, Sendable, Equatable {
        public var name: String
        public var bytes: Int
        public var crc32: String
    }

    public struct Field: Codable, Sendable, Equatable {
        public var number: Int
        public var spec: FieldSpec
        /// Sum of the field's lengths over all documents (BM25's average field length).
        public var totalLength: UInt64
    }

    public var format: String = "kensaku-index"
    public var formatVersion: UInt32 = IndexFormat.version
    public var generation: Int
    public var icuVersion: String
    public var unicodeVersion: String
    public var analyzer: AnalyzerSettings
    public var documentCount: Int
    public var termCount: Int
    public var titleField: String
    public var fields: [Field]
    public var corpus: String
    public var corpusFormat: String
    public var files: [FileEntry]
    /// How many times the build cut a very large field value for analysis where no clean cut
    /// was in reach (64 KiB or more of text without a line break, punctuation or space): there
    /// a word or a number may be split in two. Searches rely on numbers being whole only when
    /// this is 0 (``IndexReader/numbersWhole``); nil in manifests from before it was recorded.
    public var forcedCuts: Int?
    /// The build indexed trigrams (``Trigrams``, ``IndexBuildOptions/trigrams``); nil when it
    /// did not (a reader that does not know trigrams reads such an index as it reads any
    /// other: it never looks them up).
    public var trigrams: Bool?
    /// The build counted frequent n-grams (``Ngrams``, ``IndexBuildOptions/ngrams``), with
    /// these settings; nil when it did not.
    public var ngrams: NgramSettings?

    public static let fileName = "manifest.json"

    static func fileName(generation: Int, _ kind: IndexFileKind) -> String {
        let suffix = switch kind {
        case .terms: "terms"
        case .postings: "postings"
        case .docs: "docs"
        case .store: "store"
        }
        return String(format: "g%06d.%@", generation, suffix)
    }

    func encoded() throws(IndexError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(self) } catch { throw .manifest("cannot encode: \(error)") }
    }

    static func read(directory: String) throws(IndexError) -> Manifest {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { throw .notAnIndex(directory: directory) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .io(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw .manifest("cannot parse: \(error)")
        }
        guard manifest.format == "kensaku-index" else { throw .manifest("not a Kensaku manifest") }
        guard manifest.formatVersion == IndexFormat.version else {
            throw .unsupportedVersion(file: fileName, found: manifest.formatVersion, supported: IndexFormat.version)
        }
        return manifest
    }
}
