#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CKensakuZ

/// Framing shared by every index file (see `Index/FORMAT.md`):
///
///     File   := Header Body Footer
///     Header := "KNSK" kind:u8[4] version:u32          (12 bytes)
///     Footer := crc32:u32 "KEND"                         (8 bytes)
///
/// `kind` names the file's role (`TERM`, `POST`, `DOCS`, `STOR`); `crc32` is zlib's CRC-32
/// of every byte before it. Integers are little-endian.
public enum IndexFormat {
    /// The on-disk format version this build writes and reads.
    public static let version: UInt32 = 7
    static let magic: [UInt8] = Array("KNSK".utf8)
    static let endMagic: [UInt8] = Array("KEND".utf8)
    static let headerSize = 12
    static let footerSize = 8
}

public enum IndexFileKind: String, Sendable {
    case terms = "TERM"
    case postings = "POST"
    case docs = "DOCS"
    case store = "STOR"
}

public func crc32(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
    kk_crc32(initial, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
}

/// A buffered, checksummed file writer. `finish()` writes the footer, fsyncs (unless the file
/// is a build's temporary, read back by the same process and never committed) and closes.
final class IndexFileWriter {
    let path: String
    private let durable: Bool
    private var fd: Int32
    private var buffer: [UInt8] = []
    private(set) var position = 0
    private var crc: UInt32 = 0
    private static let flushSize = 1 << 20

    init(path: String, kind: IndexFileKind, durable: Bool = true) throws(IndexError) {
        self.path = path
        self.durable = durable
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: path, reason: "cannot create: \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(Self.flushSize * 2)
        try write(IndexFormat.magic)
        try write(Array(kind.rawValue.utf8))
        var version: [UInt8] = []
        version.appendLE(IndexFormat.version)
        try write(version)
    }

    deinit { if fd >= 0 { close(fd) } }

    func write(_ bytes: [UInt8]) throws(IndexError) {
        buffer.append(contentsOf: bytes)
        position += bytes.count
        if buffer.count >= Self.flushSize { try flush() }
    }

    /// Writes bytes; a run of at least the buffer's size goes to the file directly, not
    /// copied into the buffer (a huge document-store block).
    func write(_ bytes: UnsafeRawBufferPointer) throws(IndexError) {
        if bytes.count >= Self.flushSize {
            try flush()
            try writeThrough(bytes)
            position += bytes.count
            return
        }
        buffer.append(contentsOf: bytes)
        position += bytes.count
        if buffer.count >= Self.flushSize { try flush() }
    }

    private func flush() throws(IndexError) {
        let result = buffer.withUnsafeBytes { raw in Result { () throws(IndexError) in try writeThrough(raw) } }
        try result.get()
        buffer.removeAll(keepingCapacity: true)
    }

    /// Adds `raw` to the CRC and writes it to the file.
    private func writeThrough(_ raw: UnsafeRawBufferPointer) throws(IndexError) {
        guard let base = raw.baseAddress, raw.count > 0 else { return }
        crc = kk_crc32(crc, base.assumingMemoryBound(to: UInt8.self), raw.count)
        var done = 0
        while done < raw.count {
            let n = Glibc.write(fd, base + done, raw.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// Writes the footer, fsyncs and closes. Returns the file's size and its whole-file CRC.
    @discardableResult
    func finish() throws(IndexError) -> (size: Int, crc: UInt32) {
        try flush()
        let bodyCRC = crc
        var footer: [UInt8] = []
        footer.appendLE(bodyCRC)
        footer.append(contentsOf: IndexFormat.endMagic)
        buffer = footer
        position += footer.count
        try flush()
        guard !durable || fsync(fd) == 0 else { throw .io(path: path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
        close(fd)
        fd = -1
        return (position, bodyCRC)
    }
}

/// A read-only memory map of one index file, with its framing checked.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let name: String
    let base: UnsafeRawBufferPointer
    /// The bytes between header and footer.
    public let body: UnsafeRawBufferPointer
    /// Offset of `body` within the file.
    public let bodyOffset = IndexFormat.headerSize
    public let storedCRC: UInt32

    public init(path: String, name: String, kind: IndexFileKind) throws(IndexError) {
        self.path = path
        self.name = name
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .missingFile(name) }
            throw .io(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(info.st_size)
        guard size >= IndexFormat.headerSize + IndexFormat.footerSize else { throw .truncated(file: name) }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw .io(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let base = UnsafeRawBufferPointer(start: address, count: size)
        if let problem = Self.framingProblem(base, name: name, kind: kind) {
            munmap(address, size)
            throw problem
        }
        storedCRC = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: size - 8, as: UInt32.self))
        self.base = base
        body = UnsafeRawBufferPointer(rebasing: base[IndexFormat.headerSize..<(size - IndexFormat.footerSize)])
        madvise(address, size, MADV_RANDOM)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base.baseAddress), base.count) }

    /// What is wrong with a file's header or footer, if anything.
    private static func framingProblem(_ base: UnsafeRawBufferPointer, name: String, kind: IndexFileKind) -> IndexError? {
        let size = base.count
        if !base.prefix(4).elementsEqual(IndexFormat.magic) || !base[4..<8].elementsEqual(kind.rawValue.utf8) {
            return .badMagic(file: name)
        }
        let version = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        if version != IndexFormat.version {
            return .unsupportedVersion(file: name, found: version, supported: IndexFormat.version)
        }
        if !base[(size - 4)...].elementsEqual(IndexFormat.endMagic) { return .truncated(file: name) }
        return nil
    }

    public var size: Int { base.count }

    /// Tells the kernel the pages before body offset `offset` will not be read again, so a
    /// sequential pass over a large file does not keep it resident.
    func dropPages(before offset: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = (IndexFormat.headerSize + offset) / page * page
        guard end > 0 else { return }
        madvise(UnsafeMutableRawPointer(mutating: base.baseAddress), min(end, base.count), MADV_DONTNEED)
    }

    /// Recomputes the CRC of everything before the footer. - Complexity: O(file size).
    public func verifyChecksum() throws(IndexError) {
        let actual = crc32(UnsafeRawBufferPointer(rebasing: base[0..<(base.count - IndexFormat.footerSize)]))
        guard actual == storedCRC else { throw .checksumMismatch(file: name, expected: storedCRC, actual: actual) }
    }

    /// A bounds-checked reader over the body.
    public func reader(at offset: Int = 0) -> ByteReader { ByteReader(body, offset: offset, file: name) }
}
