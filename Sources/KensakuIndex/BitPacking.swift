/// Bit packing of unsigned integers, low bits first.
///
/// Blocks of ``blockSize`` values (doc deltas, term frequencies, position deltas) use a
/// four-lane layout, `lanes(v, w)`: lane `k` (0...3) packs values `k, k+4, …, k+124`, low bits
/// first, into `w` little-endian 32-bit words, and word `j` of lane `k` is stored as word
/// `4j + k` of the block. A block takes exactly `16·w` bytes, and four values decode at once
/// with 128-bit vector shifts. Short runs (a position block's exception high bits) use the
/// plain layout, `bits(v, w)`: value `i` at bits `i·w ..< (i+1)·w`, in `⌈n·w/8⌉` bytes.
enum BitPacking {
    static let blockSize = 128

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
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: byteCount(width: width)))
        bytes.withUnsafeMutableBufferPointer { out in
            for lane in 0..<4 {
                var acc: UInt64 = 0
                var bits = 0
                var word = 0
                for row in 0..<32 {
                    acc |= UInt64(values[4 * row + lane]) << UInt64(bits)
                    bits += width
                    if bits >= 32 {
                        let o = start + 16 * word + 4 * lane
                        out[o] = UInt8(truncatingIfNeeded: acc)
                        out[o + 1] = UInt8(truncatingIfNeeded: acc >> 8)
                        out[o + 2] = UInt8(truncatingIfNeeded: acc >> 16)
                        out[o + 3] = UInt8(truncatingIfNeeded: acc >> 24)
                        word += 1
                        acc >>= 32
                        bits -= 32
                    }
                }
            }
        }
    }

    /// Unpacks a block of ``blockSize`` values of `width` (0...32) bits from `source`, which
    /// must hold `byteCount(width:)` readable bytes (the caller checks); reads nothing beyond.
    @inline(__always)
    static func unpackBlock(_ source: UnsafeRawPointer, width: Int, into out: UnsafeMutablePointer<UInt32>) {
        // A switch on the width lets each case unroll with constant shifts.
        switch width {
        case 0: out.update(repeating: 0, count: blockSize)
        case 1: unpackLanes(source, 1, out)
        case 2: unpackLanes(source, 2, out)
        case 3: unpackLanes(source, 3, out)
        case 4: unpackLanes(source, 4, out)
        case 5: unpackLanes(source, 5, out)
        case 6: unpackLanes(source, 6, out)
        case 7: unpackLanes(source, 7, out)
        case 8: unpackLanes(source, 8, out)
        case 9: unpackLanes(source, 9, out)
        case 10: unpackLanes(source, 10, out)
        case 11: unpackLanes(source, 11, out)
        case 12: unpackLanes(source, 12, out)
        case 13: unpackLanes(source, 13, out)
        case 14: unpackLanes(source, 14, out)
        case 15: unpackLanes(source, 15, out)
        case 16: unpackLanes(source, 16, out)
        case 17: unpackLanes(source, 17, out)
        case 18: unpackLanes(source, 18, out)
        default: unpackLanes(source, width, out)
        }
    }

    @inline(__always)
    private static func unpackLanes(_ source: UnsafeRawPointer, _ width: Int, _ out: UnsafeMutablePointer<UInt32>) {
        #if _endian(little)
        typealias Lanes = SIMD4<UInt32>
        let mask = Lanes(repeating: UInt32(truncatingIfNeeded: Self.mask(width)))
        let target = UnsafeMutableRawPointer(out)
        var word = 0
        var current = source.loadUnaligned(as: Lanes.self)
        var shift = 0
        for row in 0..<32 {
            if shift >= 32 {
                word += 1
                current = source.loadUnaligned(fromByteOffset: 16 * word, as: Lanes.self)
                shift -= 32
            }
            var v = current &>> UInt32(truncatingIfNeeded: shift)
            if shift + width > 32 {
                // The value continues in the lane's next word (never past the block: the last
                // value of a lane ends exactly at its last word's end).
                let next = source.loadUnaligned(fromByteOffset: 16 * (word + 1), as: Lanes.self)
                v |= next &<< UInt32(truncatingIfNeeded: 32 - shift)
            }
            target.storeBytes(of: v & mask, toByteOffset: 16 * row, as: Lanes.self)
            shift += width
        }
        #else
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
        #endif
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
