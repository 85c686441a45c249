#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The schema of a text directory: `title` (boost 2) and `body`, both analyzed.
public struct TextDirectorySchema: CorpusSchema, Equatable {
    public init() {}

    public var titleField: String { "title" }

    public func spec(for field: String) -> FieldSpec {
        switch field {
        case "title": FieldSpec(name: field, analyzed: true, keyword: false, boost: 2.0)
        case "id": FieldSpec(name: field, analyzed: false, keyword: true, boost: 1.0)
        default: FieldSpec(name: field, analyzed: true, keyword: false, boost: 1.0)
        }
    }
}

/// Documents from a directory of `.txt` and `.md` files (any case), searched recursively;
/// or from one such file.
///
/// - Files are listed when the source is opened and read one by one, **sorted by relative
///   path** (byte order of the UTF-8 path) so that runs are deterministic.
/// - Names starting with `.` are skipped, as are symbolic links to directories (no cycles);
///   symbolic links to files are followed.
/// - A document's id is its path relative to the directory (`laws/民法.txt`; the file name
///   when a single file is given); its fields are `title`, the first non-blank line, trimmed
///   (for `.md`, without the `#`s of a heading), and `body`, the whole text (without a UTF-8 byte
///   order mark).
/// - Invalid UTF-8 is `.invalidUTF8` with the line and the byte offset in that line; an empty
///   or blank file is `.emptyDocument`; the error's `file` is the file's full path. With
///   `skipBad`, such files go to ``skipped``; otherwise ``next()`` throws (a later call goes
///   on with the next file). A file that cannot be read is `.unreadable`, treated the same way.
public final class TextDirectorySource: DocumentSource {
    /// The directory (or single file), as given without trailing slashes.
    public let root: String
    /// Whether bad files are skipped (and listed in ``skipped``) rather than thrown.
    public let skipBad: Bool
    public private(set) var skipped: [CorpusError] = []
    /// The files to read: relative path (the id) and size.
    public let files: [(relativePath: String, size: UInt64)]

    private var position = 0
    private var consumed: UInt64 = 0
    private let total: UInt64
    private let rootIsFile: Bool

    /// The largest file accepted.
    public static let maxFileSize = 1 << 30

    /// Lists the files under `path` (a directory, or one file). Throws `.unreadable` when
    /// `path` or one of its directories cannot be read.
    public init(path: String, skipBad: Bool = false) throws(CorpusError) {
        var root = path
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.skipBad = skipBad
        var info = stat()
        guard stat(root, &info) == 0 else {
            throw CorpusError(file: path, line: 0, reason: .unreadable(ByteInput.errnoText()))
        }
        var found: [(relativePath: String, size: UInt64)] = []
        if (info.st_mode & S_IFMT) == S_IFDIR {
            rootIsFile = false
            try TextDirectorySource.walk(root: root, relative: "", into: &found)
            found.sort { $0.relativePath.utf8.lexicographicallyPrecedes($1.relativePath.utf8) }
        } else {
            rootIsFile = true
            let name = root.split(separator: "/").last.map(String.init) ?? root
            found = [(name, UInt64(clamping: info.st_size))]
        }
        self.files = found
        self.total = found.reduce(0) { $0 &+ $1.size }
    }

    public var schema: any CorpusSchema { TextDirectorySchema() }

    /// File bytes read so far, and the total size of the listed files.
    public var progress: (consumed: UInt64, total: UInt64?) { (consumed, total) }

    public func next() throws(CorpusError) -> Document? {
        while position < files.count {
            let file = files[position]
            position += 1
            let fullPath = rootIsFile ? root : root + "/" + file.relativePath
            do {
                return try document(id: file.relativePath, path: fullPath)
            } catch {
                guard skipBad else { throw error }
                skipped.append(error)
            }
        }
        return nil
    }

    private func document(id: String, path: String) throws(CorpusError) -> Document {
        var bytes = try ByteInput(path: path, decompress: false).readAll(limit: TextDirectorySource.maxFileSize)
        consumed &+= UInt64(bytes.count)
        let invalid = bytes.withUnsafeBufferPointer { buffer in
            UTF8Validation.firstInvalidOffset(buffer).map { UTF8Validation.lineAndOffset(of: $0, in: buffer) }
        }
        if let invalid {
            throw CorpusError(file: path, line: invalid.line, reason: .invalidUTF8(byteOffset: invalid.offset))
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let titleLine = text.split(whereSeparator: \.isNewline).first(where: { !WhiteSpace.isBlank($0) }) else {
            throw CorpusError(file: path, line: 0, reason: .emptyDocument)
        }
        var title = WhiteSpace.trimmed(titleLine)
        if path.lowercased().hasSuffix(".md"), title.hasPrefix("#") {
            // An ATX heading: `## Title ##` → `Title`.
            var stripped = WhiteSpace.trimmed(title.drop { $0 == "#" })
            let closing = stripped.reversed().prefix { $0 == "#" }.count
            if closing > 0, closing < stripped.count, stripped.dropLast(closing).last?.isWhitespace == true {
                stripped = WhiteSpace.trimmed(stripped.dropLast(closing))
            }
            if !stripped.isEmpty { title = stripped }
        }
        return Document(id: id, fields: [FieldValue("title", title), FieldValue("body", text)])
    }

    /// Adds the `.txt`/`.md` files under `root/relative` to `found`.
    private static func walk(
        root: String, relative: String, into found: inout [(relativePath: String, size: UInt64)]
    ) throws(CorpusError) {
        let directory = relative.isEmpty ? root : root + "/" + relative
        guard let handle = opendir(directory) else {
            throw CorpusError(file: directory, line: 0, reason: .unreadable(ByteInput.errnoText()))
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: pointer.pointee)) {
                    String(cString: $0)
                }
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(handle)

        for name in names {
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            let fullPath = root + "/" + relativePath
            var info = stat()
            guard lstat(fullPath, &info) == 0 else { continue }
            var kind = info.st_mode & S_IFMT
            if kind == S_IFLNK {
                guard stat(fullPath, &info) == 0 else { continue }
                kind = info.st_mode & S_IFMT
                if kind == S_IFDIR { continue }  // no cycles through links
            }
            if kind == S_IFDIR {
                try walk(root: root, relative: relativePath, into: &found)
            } else if kind == S_IFREG, isText(name) {
                found.append((relativePath, UInt64(clamping: info.st_size)))
            }
        }
    }

    private static func isText(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".txt") || lower.hasSuffix(".md")
    }
}
