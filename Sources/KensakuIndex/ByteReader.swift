/// A bounds-checked cursor over bytes on disk (usually an mmap). Every read checks its
/// bounds and throws ``IndexError/corrupt(file:offset:reason:)`` instead of trapping; loads
/// are unaligned little-endian.
public struct ByteReader {
    public let base: UnsafeRawBufferPointer
    public var offset: Int
    public let file: String

    public init(_ base: UnsafeRawBufferPointer, offset: Int = 0, file: String) {
        self.base = base
        self.offset = offset
        self.file = file
    }

    public var remaining: Int { base.count - offset }

    @inline(__always)
    func corrupt(_ reason: String, at: Int? = nil) -> IndexError {
        .corrupt(file: file, offset: at ?? offset, reason: reason)
    }

    @inline(__always)
    public mutating func u8() throws(IndexError) -> UInt8 {
        guard offset < base.count else { throw corrupt("read past the end") }
        defer { offset += 1 }
        return base[offset]
    }

    @inline(__always)
    public mutating func u16() throws(IndexError) -> UInt16 {
        guard offset >= 0, offset + 2 <= base.count else { throw corrupt("read past the end") }
        defer { offset += 2 }
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    public mutating func u32() throws(IndexError) -> UInt32 {
        guard offset >= 0, offset + 4 <= base.count else { throw corrupt("read past the end") }
        defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    public mutating func u64() throws(IndexError) -> UInt64 {
        guard offset >= 0, offset + 8 <= base.count else { throw corrupt("read past the end") }
        defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    public mutating func varint() throws(IndexError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < base.count else { throw corrupt("varint runs past the end") }
            let byte = base[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            guard shift < 64 else { throw corrupt("varint longer than 10 bytes") }
        }
    }

    /// A varint that must fit in `Int` and be at most `limit`.
    @inline(__always)
    public mutating func varint(max limit: Int) throws(IndexError) -> Int {
        let start = offset
        let value = try varint()
        guard value <= UInt64(limit) else { throw corrupt("value \(value) out of range (max \(limit))", at: start) }
        return Int(value)
    }

    @inline(__always)
    public mutating func bytes(_ count: Int) throws(IndexError) -> UnsafeRawBufferPointer {
        guard count >= 0, offset + count <= base.count else { throw corrupt("read of \(count) bytes past the end") }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + count])
    }

    public mutating func string(_ count: Int) throws(IndexError) -> String {
        let raw = try bytes(count)
        return String(decoding: raw, as: UTF8.self)
    }
}
