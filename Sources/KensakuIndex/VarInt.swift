/// LEB128 variable-length unsigned integers: 7 bits a byte, low bits first, high bit set on
/// every byte but the last.
enum VarInt {
    /// Hands the bytes of `value`'s varint to `byte`, in order (for sinks other than an array:
    /// the in-memory postings pool).
    @inline(__always)
    static func encode(_ value: UInt64, _ byte: (UInt8) -> Void) {
        var v = value
        while v >= 0x80 {
            byte(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        byte(UInt8(v))
    }

    @inline(__always)
    static func append(_ value: UInt64, to bytes: inout [UInt8]) { encode(value) { bytes.append($0) } }

    @inline(__always)
    static func append(_ value: Int, to bytes: inout [UInt8]) { append(UInt64(value), to: &bytes) }
    @inline(__always)
    static func append(_ value: UInt32, to bytes: inout [UInt8]) { append(UInt64(value), to: &bytes) }
}

/// Little-endian fixed-width appends.
extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendLE(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value)); append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value >> 16)); append(UInt8(truncatingIfNeeded: value >> 24))
    }

    @inline(__always)
    mutating func appendLE(_ value: UInt64) {
        appendLE(UInt32(truncatingIfNeeded: value)); appendLE(UInt32(truncatingIfNeeded: value >> 32))
    }

    mutating func appendLE(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value)); append(UInt8(truncatingIfNeeded: value >> 8))
    }
}
