/// Exp-Golomb codes of order `k` for the short runs of values that end a term's postings
/// (the doc tail and the position tail: fewer than 128 values, a 128-value block being too
/// large to fill), in a bit stream read low bits first:
///
///     Tail  := k:5 Code{n} padding to a byte      (the doc tail has three lists, their three
///                                                  orders first: see PostingsEncoder)
///     Code  := zeros:z  one:1  bits(q − 2^z, z)  bits(v mod 2^k, k)
///              where q = ⌊v / 2^k⌋ + 1 and z = ⌊log2 q⌋ (0 … 32)
///
/// So `v` takes `k + 2z + 1` bits: small values (as `k` fits them) take few, and the odd large
/// one (a rare term's first position in a doc, 14 bits against in-doc gaps of 3) costs only
/// twice its extra bits, where a varint spends a whole byte on every value and bit packing
/// spends the largest width on all. The writer picks, per list, the `k` that makes it
/// shortest. On the law corpus this made the postings 2.3 MB smaller (simulated) than varint
/// position tails and bit-packed doc tails (`Index/FORMAT.md`).
enum ExpGolomb {
    /// Bits of `v`'s code of order `k`.
    @inline(__always)
    static func bitCount(_ v: UInt32, k: Int) -> Int {
        let q = UInt64(v >> UInt32(k)) + 1
        return k + 2 * (63 - q.leadingZeroBitCount) + 1
    }

    /// The order (0 … 31) that codes `values` in the fewest bits, and those bits (without the
    /// 5 of the order). - Complexity: O(n · log(max value)).
    static func bestOrder(_ values: some Collection<UInt32>) -> (k: Int, bits: Int) {
        let largest = values.max() ?? 0
        var best = (k: 0, bits: Int.max)
        for k in 0...min(31, 32 - largest.leadingZeroBitCount) {
            var bits = 0
            for v in values { bits += bitCount(v, k: k) }
            if bits < best.bits { best = (k, bits) }
        }
        return best
    }

    /// Appends bits to a byte array, low bits first.
    struct Writer {
        private var accumulator: UInt64 = 0
        private var count = 0

        init() {}

        /// Appends the low `bits` (0 … 32) of `value`.
        @inline(__always)
        mutating func write(_ value: UInt64, bits: Int, into out: inout [UInt8]) {
            guard bits > 0 else { return }
            accumulator |= (value & BitPacking.mask(bits)) << UInt64(count)
            count += bits
            while count >= 8 {
                out.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator >>= 8
                count -= 8
            }
        }

        /// Appends `v`'s code of order `k`.
        mutating func write(_ v: UInt32, k: Int, into out: inout [UInt8]) {
            let q = UInt64(v >> UInt32(k)) + 1
            let z = 63 - q.leadingZeroBitCount
            write(0, bits: z, into: &out)
            write(1, bits: 1, into: &out)
            write(q, bits: z, into: &out)  // q's bits below its leading one
            write(UInt64(v), bits: k, into: &out)
        }

        /// Writes the last, partial byte (zero padded).
        mutating func finish(into out: inout [UInt8]) {
            if count > 0 { out.append(UInt8(truncatingIfNeeded: accumulator)) }
            accumulator = 0
            count = 0
        }
    }

    /// Reads a bit stream written by ``Writer`` from `base[start ..< end]`. A read past `end`
    /// or a code for a value beyond 32 bits returns nil (corrupt bytes: the caller throws).
    struct Reader {
        private let base: UnsafeRawPointer
        private var next: Int
        private let end: Int
        private var accumulator: UInt64 = 0
        private var count = 0

        init(_ base: UnsafeRawPointer, at start: Int, end: Int) {
            self.base = base
            self.next = start
            self.end = end
        }

        /// Where the stream's bytes end: the byte after the last bit read.
        var endOffset: Int { next - count / 8 }

        /// Tops the buffer up to 57 bits or more, 8 bytes at a time where 8 are readable.
        @inline(__always)
        private mutating func refill() {
            if end &- next >= 8 {
                accumulator |= UInt64(littleEndian: base.loadUnaligned(fromByteOffset: next, as: UInt64.self)) &<< UInt64(count)
                let bytes = (63 &- count) &>> 3
                next &+= bytes
                count &+= bytes &<< 3
                return
            }
            while count <= 56 && next < end {
                accumulator |= UInt64(base.load(fromByteOffset: next, as: UInt8.self)) << UInt64(count)
                next += 1
                count += 8
            }
        }

        /// The next `bits` (0 … 32) bits.
        @inline(__always)
        mutating func read(bits: Int) -> UInt32? {
            if count < bits { refill() }
            guard count >= bits else { return nil }
            let v = UInt32(truncatingIfNeeded: accumulator & BitPacking.mask(bits))
            accumulator >>= UInt64(bits)
            count -= bits
            return v
        }

        /// The value of the code at the bottom of `buffer`: `z` zeros (its trailing zeros), a
        /// one, q − 2^z in z bits, then v mod 2^k (`lowMask` = 2^k − 1); its value fits in 32
        /// bits (z + 1 + k ≤ 32).
        @inline(__always)
        private static func value(_ buffer: UInt64, z: UInt64, k: UInt64, lowMask: UInt64) -> UInt32 {
            let rest = (buffer &>> (z &+ 1)) & ((1 &<< z) &- 1)
            let high = ((1 &<< z) | rest) &- 1
            let low = (buffer &>> (2 &* z &+ 1)) & lowMask
            return UInt32(truncatingIfNeeded: high &<< k | low)
        }

        /// The next code of order `k` (0 … 31).
        @inline(__always)
        mutating func read(k: Int) -> UInt32? {
            if count < 57 { refill() }
            let z = accumulator.trailingZeroBitCount  // 64 when no one is buffered
            let total = 2 &* z &+ 1 &+ k
            if total <= count && z &+ 1 &+ k <= 32 {
                // The whole code is buffered and its value fits in 32 bits (nearly always).
                let v = Self.value(accumulator, z: UInt64(z), k: UInt64(k), lowMask: (1 &<< UInt64(k)) &- 1)
                accumulator = total == 64 ? 0 : accumulator &>> UInt64(total)
                count &-= total
                return v
            }
            guard z < count, z <= 32 else { return nil }
            accumulator >>= UInt64(z + 1)
            count -= z + 1
            guard let rest = read(bits: z) else { return nil }
            let high = (UInt64(1) << UInt64(z) | UInt64(rest)) - 1
            guard high >> UInt64(32 - k) == 0, let low = read(bits: k) else { return nil }
            return UInt32(truncatingIfNeeded: high << UInt64(k)) | low
        }

        /// Reads `n` codes of order `k` into `out`; false if one is bad (see ``read(k:)``).
        ///
        /// While 8 bytes are left to load, the buffer lives in registers and is topped up
        /// without a branch before every code (a load, a shift, an or: the bytes it takes past
        /// the count it keeps are loaded again, to the same bits, by the next top-up); a code
        /// that is not whole in it or whose value needs more than 32 bits, and the last bytes,
        /// go to ``read(k:)``. Half the instructions of calling ``read(k:)`` for each code,
        /// which keeps the buffer in memory (the tails are 21% of a rare term's search).
        /// - Complexity: O(n).
        mutating func read(_ n: Int, k: Int, into out: UnsafeMutablePointer<UInt32>) -> Bool {
            var acc = accumulator
            var bits = UInt64(truncatingIfNeeded: count)  // (unsigned: shifts by it need no check)
            var at = next
            var i = 0
            let k64 = UInt64(truncatingIfNeeded: k)
            let lowMask = (UInt64(1) &<< k64) &- 1
            while i < n && end &- at >= 8 {
                acc |= UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)) &<< bits
                at &+= Int(truncatingIfNeeded: (63 &- bits) &>> 3)
                bits |= 56
                let z = UInt64(truncatingIfNeeded: acc.trailingZeroBitCount)  // 64 when no one is buffered
                let total = 2 &* z &+ 1 &+ k64
                guard total <= bits && z &+ 1 &+ k64 <= 32 else { break }
                out[i] = Self.value(acc, z: z, k: k64, lowMask: lowMask)
                acc &>>= total  // total ≤ 63
                bits &-= total
                i &+= 1
            }
            accumulator = acc
            count = Int(truncatingIfNeeded: bits)
            next = at
            while i < n {
                guard let v = read(k: k) else { return false }
                out[i] = v
                i &+= 1
            }
            return true
        }
    }
}
