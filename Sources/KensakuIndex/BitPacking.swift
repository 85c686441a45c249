/// Fixed-width bit packing of blocks of ``blockSize`` unsigned integers, low bits first, as
/// used by full postings blocks. A block of width `w` takes `blockSize * w / 8` bytes.
enum BitPacking {
    static let blockSize = 128

    /// Bits needed for the largest value (0 for an all-zero block).
    @inline(__always)
    static func width(_ values: UnsafeBufferPointer<UInt32>) -> Int {
        var or: UInt32 = 0
        for v in values { or |= v }
        return or == 0 ? 0 : 32 - or.leadingZeroBitCount
    }

    static func pack(_ values: UnsafeBufferPointer<UInt32>, width: Int, into bytes: inout [UInt8]) {
        guard width > 0 else { return }
        var acc: UInt64 = 0
        var bits = 0
        for v in values {
            acc |= UInt64(v) << UInt64(bits)
            bits += width
            while bits >= 8 {
                bytes.append(UInt8(truncatingIfNeeded: acc))
                acc >>= 8
                bits -= 8
            }
        }
        if bits > 0 { bytes.append(UInt8(truncatingIfNeeded: acc)) }
    }

    static func byteCount(width: Int) -> Int { (blockSize * width + 7) / 8 }

    /// Unpacks `blockSize` values of `width` bits from `source` (which must hold
    /// `byteCount(width:)` bytes; the caller checks).
    @inline(__always)
    static func unpack(_ source: UnsafeRawPointer, width: Int, into out: UnsafeMutablePointer<UInt32>) {
        if width == 0 {
            out.update(repeating: 0, count: blockSize)
            return
        }
        let mask: UInt64 = width == 32 ? 0xFFFF_FFFF : (1 << UInt64(width)) - 1
        let bytes = source.assumingMemoryBound(to: UInt8.self)
        var bitPosition = 0
        let total = byteCount(width: width)
        for i in 0..<blockSize {
            let byteIndex = bitPosition >> 3
            let shift = UInt64(bitPosition & 7)
            // Load up to 8 bytes without reading past the block.
            var word: UInt64 = 0
            if byteIndex + 8 <= total {
                word = UInt64(littleEndian: UnsafeRawPointer(bytes + byteIndex).loadUnaligned(as: UInt64.self))
            } else {
                for k in 0..<(total - byteIndex) { word |= UInt64(bytes[byteIndex + k]) << UInt64(8 * k) }
            }
            out[i] = UInt32(truncatingIfNeeded: (word >> shift) & mask)
            bitPosition += width
        }
    }
}
