/// Patched frame of reference over a block of ``BitPacking/blockSize`` values (a full doc
/// block's doc deltas and its term frequencies; a position block, whose header is stored
/// apart from its data, with the other blocks' headers):
///
///     Patched := width:u8 exceptions:u8 highWidth:u8 lanes(v mod 2^width, width) Where
///                bits(v >> width, highWidth){exceptions}
///     Where   := index:u8{exceptions}   if exceptions ≤ 16
///              | map:u8[16]             else; bit i mod 8 of byte ⌊i/8⌋: value i
///
/// The `width` low bits of every value, then the values that do not fit ("exceptions",
/// `highWidth` = 0 exactly when there are none): where they are and their high bits, in index
/// order. A value is `low | high << width`, and `width + highWidth` ≤ 32. One large value (a
/// long gap between two docs, a law that uses a word 2,000 times) so no longer widens the
/// whole block. The block takes `3 + 16·width + min(exceptions, 16) +
/// ⌈exceptions·highWidth/8⌉` bytes.
extension BitPacking {
    /// Up to this many exceptions a block lists their indexes; more take a 128-bit map.
    static let exceptionListMax = 16

    /// Bytes that say where a block's `exceptions` are.
    @inline(__always)
    static func exceptionPlaceBytes(_ exceptions: Int) -> Int { min(exceptions, exceptionListMax) }

    /// Appends the block of ``blockSize`` `values` with the width that makes it smallest,
    /// counting `exceptionCost` bits more an exception (patching costs time; the postings count
    /// 1), ties to the wider.
    /// Returns its header (width, exceptions, highWidth), which it writes first unless
    /// `header` is false. `scratch` holds 2 × ``blockSize`` values (the low and the high
    /// parts), so that a block allocates nothing.
    @discardableResult
    static func packPatched(_ values: UnsafeBufferPointer<UInt32>, scratch: UnsafeMutablePointer<UInt32>, header: Bool = true,
                            exceptionCost: Int, into bytes: inout [UInt8]) -> (UInt8, UInt8, UInt8) {
        precondition(values.count == blockSize)
        // How many values need each bit count (0...32).
        let maxBits: Int, bestWidth: Int
        (maxBits, bestWidth) = withUnsafeTemporaryAllocation(of: Int.self, capacity: 33) { counts in
            counts.initialize(repeating: 0)
            var or: UInt32 = 0
            for v in values {
                counts[width(v)] &+= 1
                or |= v
            }
            let maxBits = width(or)
            return (maxBits, bestPatchedWidth(counts, maxBits: maxBits, exceptionCost: exceptionCost))
        }
        let highWidth = maxBits - bestWidth
        let mask = UInt32(truncatingIfNeeded: Self.mask(bestWidth))
        var e = 0
        var map: (UInt64, UInt64) = (0, 0)
        let low = scratch, high = scratch + blockSize
        if highWidth > 0 {
            for i in 0..<blockSize {
                let v = values[i]
                low[i] = v & mask
                if v > mask {
                    high[e] = v >> UInt32(bestWidth)
                    e += 1
                    if i < 64 { map.0 |= 1 << UInt64(i) } else { map.1 |= 1 << UInt64(i - 64) }
                }
            }
        }
        if header {
            bytes.append(UInt8(bestWidth))
            bytes.append(UInt8(e))
            bytes.append(UInt8(highWidth))
        }
        guard highWidth > 0 else {
            packBlock(values, width: bestWidth, into: &bytes)
            return (UInt8(bestWidth), 0, 0)
        }
        packBlock(UnsafeBufferPointer(start: low, count: blockSize), width: bestWidth, into: &bytes)
        if e > exceptionListMax {
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: map.0 >> UInt64(8 * k))) }
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: map.1 >> UInt64(8 * k))) }
        } else {
            for i in 0..<blockSize where values[i] > mask { bytes.append(UInt8(i)) }
        }
        pack(UnsafeBufferPointer(start: high, count: e), width: highWidth, into: &bytes)
        return (UInt8(bestWidth), UInt8(e), UInt8(highWidth))
    }

    /// The width (≤ `maxBits`) that makes a block of the values counted by bit count in
    /// `counts` (0...32) smallest, with `exceptionCost` bits more an exception.
    private static func bestPatchedWidth(_ counts: UnsafeMutableBufferPointer<Int>, maxBits: Int, exceptionCost: Int) -> Int {
        var bestWidth = maxBits
        var bestCost = 8 * byteCount(width: maxBits)
        var exceptions = 0  // values wider than w
        var w = maxBits - 1
        while w >= 0 {
            exceptions += counts[w + 1]
            let cost = 8 * patchedLength(width: w, exceptions: exceptions, highWidth: maxBits - w) + exceptionCost * exceptions
            if cost < bestCost {
                bestCost = cost
                bestWidth = w
            }
            w -= 1
        }
        return bestWidth
    }

    /// Bytes of a patched block's data (after its header), whatever the header says.
    @inline(__always)
    static func patchedLength(width: Int, exceptions: Int, highWidth: Int) -> Int {
        byteCount(width: width) + exceptionPlaceBytes(exceptions) + byteCount(count: exceptions, width: highWidth)
    }

    /// Decodes the patched block at `offset` of `base` (bytes up to `end` may be read) into
    /// `out` (``blockSize`` values); returns the offset after it, or nil when the header is
    /// invalid, the block runs past `end`, or an exception's place is impossible (corrupt
    /// bytes: the caller throws).
    @inline(__always)
    static func unpackPatched(_ base: UnsafeRawPointer, at offset: Int, end: Int, into out: UnsafeMutablePointer<UInt32>) -> Int? {
        guard end - offset >= 3 else { return nil }
        let header = (Int(base.load(fromByteOffset: offset, as: UInt8.self)), Int(base.load(fromByteOffset: offset + 1, as: UInt8.self)),
                      Int(base.load(fromByteOffset: offset + 2, as: UInt8.self)))
        return unpackPatched(base, header: header, dataAt: offset + 3, end: end, into: out)
    }

    /// Bytes of a patched block's data (after its header), or nil for an invalid header.
    @inline(__always)
    static func patchedDataLength(_ header: (width: Int, exceptions: Int, highWidth: Int)) -> Int? {
        let (width, exceptions, highWidth) = header
        guard width <= 32, exceptions <= blockSize,
              exceptions == 0 ? highWidth == 0 : highWidth >= 1 && width + highWidth <= 32 else { return nil }
        return patchedLength(width: width, exceptions: exceptions, highWidth: highWidth)
    }

    /// Decodes a patched block's data at `dataAt` with its `header` (stored elsewhere); as
    /// ``unpackPatched(_:at:end:into:)``.
    @inline(__always)
    static func unpackPatched(_ base: UnsafeRawPointer, header: (width: Int, exceptions: Int, highWidth: Int), dataAt: Int, end: Int,
                              into out: UnsafeMutablePointer<UInt32>) -> Int? {
        guard let length = patchedDataLength(header) else { return nil }
        let (width, exceptions, highWidth) = header
        let placesAt = dataAt + byteCount(width: width)
        let highAt = placesAt + exceptionPlaceBytes(exceptions)
        let blockEnd = dataAt + length
        guard dataAt >= 0, blockEnd <= end else { return nil }
        unpackBlock(base + dataAt, width: width, into: out)
        guard exceptions > 0 else { return blockEnd }
        let shift = UInt32(width)
        let highMask = mask(highWidth)
        /// Patches the exceptions, reading each one's high bits from `highBase` where it is
        /// patched (one unaligned 64-bit load; 8 bytes past the high bits must be readable).
        /// Measured against unpacking them into a buffer first: the heavy queries 1.5–3%
        /// faster at the 10th percentile, alike in three builds of different code layout.
        @inline(__always) func patch(_ highBase: UnsafeRawPointer) -> Int? {
            @inline(__always) func high(_ j: Int) -> UInt32 {
                let bit = j &* highWidth
                let word = UInt64(littleEndian: highBase.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
                return UInt32(truncatingIfNeeded: (word &>> UInt64(bit & 7)) & highMask) &<< shift
            }
            if exceptions <= exceptionListMax {
                // Listed: an index ≥ 128 means corrupt bytes (patched as its low 7 bits).
                let indices = (base + placesAt).assumingMemoryBound(to: UInt8.self)
                var seen: UInt8 = 0
                for j in 0..<exceptions {
                    let i = indices[j]
                    seen |= i
                    out[Int(i & 0x7F)] |= high(j)
                }
                return seen >= 0x80 ? nil : blockEnd
            }
            // Mapped: 128 bits, as many set as there are exceptions.
            let lowMap = UInt64(littleEndian: (base + placesAt).loadUnaligned(as: UInt64.self))
            let highMap = UInt64(littleEndian: (base + placesAt).loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            guard lowMap.nonzeroBitCount + highMap.nonzeroBitCount == exceptions else { return nil }
            var j = 0
            var m = lowMap
            while m != 0 {
                out[m.trailingZeroBitCount] |= high(j)
                m &= m &- 1
                j &+= 1
            }
            m = highMap
            while m != 0 {
                out[64 &+ m.trailingZeroBitCount] |= high(j)
                m &= m &- 1
                j &+= 1
            }
            return blockEnd
        }
        let highBytes = byteCount(count: exceptions, width: highWidth)
        if end - highAt >= highBytes + 8 { return patch(base + highAt) }
        // Near the end of the readable bytes: the high bits, copied with zeros after them.
        return withUnsafeTemporaryAllocation(byteCount: highBytes + 8, alignment: 8) { copy -> Int? in
            copy.initializeMemory(as: UInt8.self, repeating: 0)
            copy.copyMemory(from: UnsafeRawBufferPointer(start: base + highAt, count: highBytes))
            return patch(UnsafeRawPointer(copy.baseAddress!))
        }
    }
}
