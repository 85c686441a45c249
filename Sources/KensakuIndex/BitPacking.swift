/// Bit packing of unsigned integers, low bits first.
///
/// Blocks of ``blockSize`` values (doc deltas, term frequencies, position deltas) use a
/// four-lane layout, `lanes(v, w)`: lane `k` (0...3) packs values `k, k+4, …, k+124`, low bits
/// first, into `w` little-endian 32-bit words, and word `j` of lane `k` is stored as word
/// `4j + k` of the block. A block takes exactly `16·w` bytes, and four values decode at once
/// with 128-bit vector shifts. Short runs (a position block's exception high bits) use the
/// plain layout, `bits(v, w)`: value `i` at bits `i·w ..< (i+1)·w`, in `⌈n·w/8⌉` bytes.
@usableFromInline
enum BitPacking {
    @usableFromInline static let blockSize = 128

    /// Bits needed for the largest value (0 for an all-zero block).
    @inline(__always)
    static func width(_ values: UnsafeBufferPointer<UInt32>) -> Int {
        var or: UInt32 = 0
        for v in values { or |= v }
        return or == 0 ? 0 : 32 - or.leadingZeroBitCount
    }

    /// Bits needed for `value` (0 for 0).
    @inline(__always)
    static func width(_ value: UInt32) -> Int { 32 - value.leadingZeroBitCount }

    @inline(__always)
    static func mask(_ width: Int) -> UInt64 { width >= 32 ? 0xFFFF_FFFF : (1 << UInt64(width)) - 1 }

    /// Bytes of a block of ``blockSize`` values of `width` bits.
    @inline(__always)
    static func byteCount(width: Int) -> Int { 16 * width }

    /// Bytes of `count` values of `width` bits in the plain layout.
    @inline(__always)
    static func byteCount(count: Int, width: Int) -> Int { (count * width + 7) / 8 }

    // MARK: Blocks (four lanes)

    /// Appends a block of ``blockSize`` `values`, each of which must fit in `width` bits.
    static func packBlock(_ values: UnsafeBufferPointer<UInt32>, width: Int, into bytes: inout [UInt8]) {
        precondition(values.count == blockSize)
        guard width > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4 * 32) { words in
            for lane in 0..<4 {
                var acc: UInt64 = 0
                var bits = 0
                var word = 0
                for row in 0..<32 {
                    acc |= UInt64(values[4 * row + lane]) << UInt64(bits)
                    bits += width
                    if bits >= 32 {
                        words[4 * word + lane] = UInt32(truncatingIfNeeded: acc).littleEndian
                        word += 1
                        acc >>= 32
                        bits -= 32
                    }
                }
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: words.baseAddress, count: byteCount(width: width)))
        }
    }

    /// ``unpackBlock(_:width:into:)`` (in `BitPacking+Unpack.swift`, generated) on a
    /// big-endian machine: bit by bit.
    static func unpackBlockPortably(_ source: UnsafeRawPointer, width: Int, into out: UnsafeMutablePointer<UInt32>) {
        let mask = Self.mask(width)
        for lane in 0..<4 {
            var bit = 0
            for row in 0..<32 {
                var value: UInt64 = 0
                for b in 0..<width {
                    let at = bit + b
                    let byte = 16 * (at >> 5) + 4 * lane + ((at & 31) >> 3)
                    value |= UInt64((source.load(fromByteOffset: byte, as: UInt8.self) >> UInt8(at & 7)) & 1) << UInt64(b)
                }
                out[4 * row + lane] = UInt32(truncatingIfNeeded: value & mask)
                bit += width
            }
        }
    }

    // MARK: Short runs (plain)

    /// Appends `values`, each of which must fit in `width` bits, in `⌈count·width/8⌉` bytes.
    static func pack(_ values: UnsafeBufferPointer<UInt32>, width: Int, into bytes: inout [UInt8]) {
        guard width > 0, !values.isEmpty else { return }
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

    /// Unpacks `count` values of `width` (0...32) bits from `source`, of which the caller has
    /// checked that `readable` bytes (at least `byteCount(count:width:)`) may be read.
    @inline(__always)
    static func unpack(_ source: UnsafeRawPointer, readable: Int, count: Int, width: Int, into out: UnsafeMutablePointer<UInt32>) {
        guard width > 0 else {
            out.update(repeating: 0, count: count)
            return
        }
        let mask = Self.mask(width)
        if readable >= byteCount(count: count, width: width) + 8 {
            // One unaligned 64-bit load a value.
            var bit = 0
            for i in 0..<count {
                let word = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
                out[i] = UInt32(truncatingIfNeeded: (word &>> UInt64(bit & 7)) & mask)
                bit &+= width
            }
            return
        }
        let bytes = source.assumingMemoryBound(to: UInt8.self)
        var acc: UInt64 = 0
        var bits = 0
        var o = 0
        for i in 0..<count {
            while bits < width {
                acc |= UInt64(bytes[o]) << UInt64(bits)
                o += 1
                bits += 8
            }
            out[i] = UInt32(truncatingIfNeeded: acc & mask)
            acc >>= UInt64(width)
            bits -= width
        }
    }
}
