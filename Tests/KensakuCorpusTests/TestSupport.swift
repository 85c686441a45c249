#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

@testable import KensakuCorpus

/// A fresh directory under the system's temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init() throws {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/kensaku-corpus-tests.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let start = buffer.baseAddress else { return false }
            return mkdtemp(start) != nil
        }
        try #require(made, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes `bytes` to `name` (a relative path; its directories are created) and returns the full path.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let full = path + "/" + name
        var directory = ""
        for component in name.split(separator: "/").dropLast() {
            directory += "/" + component
            mkdir(path + directory, 0o755)
        }
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0, "cannot create \(full)")
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
        try #require(written == bytes.count)
        return full
    }

    @discardableResult
    func write(_ name: String, text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    func remove() {
        removeTree(path)
    }

    private func removeTree(_ target: String) {
        var info = stat()
        guard lstat(target, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR, let handle = opendir(target) {
            var names: [String] = []
            while let entry = readdir(handle) {
                let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name != ".", name != ".." { names.append(name) }
            }
            closedir(handle)
            for name in names { removeTree(target + "/" + name) }
            rmdir(target)
        } else {
            unlink(target)
        }
    }
}

private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}

/// The repository's root, from this file's path (`Tests/KensakuCorpusTests/TestSupport.swift`).
func repositoryRoot(_ file: String = #filePath) -> String {
    var parts = file.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}

/// Every document of `source`, with the errors thrown along the way (a thrown error does not
/// end the reading: the next call goes on after the bad record).
func drain(_ source: inout some DocumentSource, limit: Int = 100_000) -> (documents: [Document], errors: [CorpusError]) {
    var documents: [Document] = []
    var errors: [CorpusError] = []
    for _ in 0..<limit {
        do {
            guard let document = try source.next() else { break }
            documents.append(document)
        } catch {
            errors.append(error)
            if case .unreadable = error.reason { break }
        }
    }
    return (documents, errors)
}

/// Decodes one line with a fresh decoder.
func decodeLine(_ bytes: [UInt8], lineNumber: Int = 1) -> Result<Document?, CorpusError> {
    var decoder = JSONRecordDecoder(file: "test.jsonl")
    return bytes.withUnsafeBufferPointer { buffer in
        Result { () throws(CorpusError) in try decoder.decode(buffer, lineNumber: lineNumber) }
    }
}

func decodeLine(_ text: String, lineNumber: Int = 1) -> Result<Document?, CorpusError> {
    decodeLine(Array(text.utf8), lineNumber: lineNumber)
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
