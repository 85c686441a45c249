#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CKensakuZ

/// The raw bytes of one corpus file: a plain file read with `read(2)`, or a zstd stream
/// decompressed on the fly by `kk_zstd_reader` (never unpacked to disk).
///
/// Owns its file descriptor (and decompressor) and releases them when deallocated.
/// Failures are ``CorpusError`` values with reason `.unreadable` and line 0; the caller
/// may attach a line number.
final class ByteInput {
    /// The path as given (used in error messages).
    let path: String
    /// True when the bytes are decompressed from zstd.
    let isCompressed: Bool
    /// Size of the file on disk (compressed size for zstd), when it is a regular file.
    let fileSize: UInt64?

    private var fd: Int32
    private var zstd: OpaquePointer?
    private var rawConsumed: UInt64 = 0

    /// The first four bytes of every zstd frame.
    static let zstdMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// Opens `path`. With `decompress` nil the input is decompressed when the path ends in
    /// `.zst` or the file starts with the zstd magic number; true or false forces the choice.
    init(path: String, decompress: Bool? = nil) throws(CorpusError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CorpusError(file: path, line: 0, reason: .unreadable(ByteInput.errnoText()))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let why = ByteInput.errnoText()
            close(fd)
            throw CorpusError(file: path, line: 0, reason: .unreadable(why))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw CorpusError(file: path, line: 0, reason: .unreadable("is a directory"))
        }
        let isRegular = (info.st_mode & S_IFMT) == S_IFREG
        self.fileSize = isRegular ? UInt64(clamping: info.st_size) : nil
        self.fd = fd

        var compressed = decompress ?? path.lowercased().hasSuffix(".zst")
        if decompress == nil, !compressed, isRegular {
            var head: [UInt8] = [0, 0, 0, 0]
            let got = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 4, 0) }
            compressed = got == 4 && head == ByteInput.zstdMagic
        }
        self.isCompressed = compressed
        if compressed {
            guard let reader = kk_zstd_reader_open(fd) else {
                close(fd)
                self.fd = -1
                throw CorpusError(file: path, line: 0, reason: .unreadable("cannot start the zstd decompressor"))
            }
            self.zstd = reader
        }
    }

    deinit {
        if let zstd { kk_zstd_reader_close(zstd) }
        if fd >= 0 { close(fd) }
    }

    /// Input bytes consumed so far: compressed bytes for zstd, file bytes otherwise.
    var consumed: UInt64 {
        if let zstd { return kk_zstd_reader_consumed(zstd) }
        return rawConsumed
    }

    /// Reads up to `capacity` (decompressed) bytes into `buffer`. Returns the count, 0 at the end.
    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws(CorpusError) -> Int {
        guard capacity > 0 else { return 0 }
        if let zstd {
            let got = kk_zstd_reader_read(zstd, buffer, capacity)
            switch got {
            case 0...: return got
            case -1: throw CorpusError(file: path, line: 0, reason: .unreadable("corrupt zstd stream"))
            case -3: throw CorpusError(file: path, line: 0, reason: .unreadable("zstd stream ends inside a frame (truncated file?)"))
            default: throw CorpusError(file: path, line: 0, reason: .unreadable("read error in zstd stream"))
            }
        }
        while true {
            let got = posixRead(fd, buffer, capacity)
            if got >= 0 {
                rawConsumed += UInt64(got)
                return got
            }
            if errno == EINTR { continue }
            throw CorpusError(file: path, line: 0, reason: .unreadable(ByteInput.errnoText()))
        }
    }

    /// Reads the whole (remaining) input; more than `limit` bytes is an error.
    func readAll(limit: Int = Int.max) throws(CorpusError) -> [UInt8] {
        var bytes: [UInt8] = []
        if let fileSize, !isCompressed, fileSize < UInt64(min(limit, Int.max / 2)) {
            bytes.reserveCapacity(Int(fileSize))
        }
        let chunk = 1 << 20
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
        defer { buffer.deallocate() }
        while true {
            let got = try read(into: buffer, capacity: chunk)
            if got == 0 { return bytes }
            if got > limit - bytes.count {
                throw CorpusError(file: path, line: 0, reason: .unreadable("larger than \(limit) bytes"))
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: got))
        }
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// `read(2)`, named so that it cannot be confused with ``ByteInput/read(into:capacity:)``.
@inline(__always)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}
