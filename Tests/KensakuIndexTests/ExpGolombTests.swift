import KensakuTestSupport
@testable import KensakuIndex
import Testing

/// The Exp-Golomb codes of the postings' tails: what `ExpGolomb.Writer` writes reads back,
/// with the bit counts `bitCount` promises, and bad bits are refused, never trapped on.
@Suite("Exp-Golomb tails")
struct ExpGolombTests {
    /// Writes `values` at order `k` after a 5-bit header, as a tail is written.
    static func encode(_ values: [UInt32], k: Int) -> [UInt8] {
        var out: [UInt8] = []
        var writer = ExpGolomb.Writer()
        writer.write(UInt64(k), bits: 5, into: &out)
        for v in values { writer.write(v, k: k, into: &out) }
        writer.finish(into: &out)
        return out
    }

    static func decode(_ bytes: [UInt8], count: Int) -> (k: Int, values: [UInt32], end: Int)? {
        bytes.withUnsafeBytes { raw -> (Int, [UInt32], Int)? in
            guard let base = raw.baseAddress else { return nil }
            var reader = ExpGolomb.Reader(base, at: 0, end: raw.count)
            guard let k = reader.read(bits: 5) else { return nil }
            var values: [UInt32] = []
            for _ in 0..<count {
                guard let v = reader.read(k: Int(k)) else { return nil }
                values.append(v)
            }
            return (Int(k), values, reader.endOffset)
        }
    }

    static func fails(_ bytes: [UInt8], count: Int) -> Bool {
        if case .none = decode(bytes, count: count) { return true }
        return false
    }

    @Test("Values of every size read back at every order, in the bits counted", arguments: 0...31)
    func roundTrip(k: Int) throws {
        var g = SeededGenerator(seed: UInt64(k) &* 104_729 &+ 3)
        var values: [UInt32] = [0, 1, 2, UInt32.max, UInt32.max - 1, 1 << 31, (1 << 31) - 1]
        for _ in 0..<200 {
            let bits = Int.random(in: 0...32, using: &g)
            values.append(UInt32(truncatingIfNeeded: UInt64.random(in: 0...UInt64.max, using: &g) & BitPacking.mask(bits)))
        }
        let bytes = Self.encode(values, k: k)
        let bits = 5 + values.reduce(0) { $0 + ExpGolomb.bitCount($1, k: k) }
        #expect(bytes.count == (bits + 7) / 8)
        let decoded = try #require(Self.decode(bytes, count: values.count))
        #expect(decoded.k == k)
        #expect(decoded.values == values)
        #expect(decoded.end == bytes.count)
    }

    /// `count` codes read at once (``ExpGolomb/Reader/read(_:k:into:)``), after the order.
    static func decodeBulk(_ bytes: [UInt8], count: Int) -> (values: [UInt32], end: Int)? {
        bytes.withUnsafeBytes { raw -> ([UInt32], Int)? in
            guard let base = raw.baseAddress else { return nil }
            var reader = ExpGolomb.Reader(base, at: 0, end: raw.count)
            guard let k = reader.read(bits: 5) else { return nil }
            var values = [UInt32](repeating: 0, count: count)
            let ok = values.withUnsafeMutableBufferPointer { reader.read(count, k: Int(k), into: $0.baseAddress!) }
            return ok ? (values, reader.endOffset) : nil
        }
    }

    @Test("Codes read at once read as they do one by one: small ones in registers, long ones and the last bytes the slow way",
          arguments: [0, 1, 3, 7, 12, 20, 31])
    func bulkRead(k: Int) throws {
        var g = SeededGenerator(seed: UInt64(k) &* 7_919 &+ 11)
        for round in 0..<40 {
            // Mostly values the order suits, some far larger (codes longer than the buffer).
            let n = Int.random(in: 0...300, using: &g)
            let values = (0..<n).map { _ -> UInt32 in
                if Int.random(in: 0..<10, using: &g) == 0 {
                    return UInt32(truncatingIfNeeded: UInt64.random(in: 0...UInt64.max, using: &g) & BitPacking.mask(Int.random(in: 0...32, using: &g)))
                }
                return UInt32.random(in: 0...UInt32(min(UInt64(UInt32.max), (UInt64(1) << UInt64(k)) * 3)), using: &g)
            }
            let bytes = Self.encode(values, k: k)
            let bulk = try #require(Self.decodeBulk(bytes, count: n), "round \(round)")
            #expect(bulk.values == values)
            #expect(bulk.end == bytes.count)
            // Any cut through the last code fails, never traps.
            if n > 0, let last = values.last {
                let cut = (5 + values.dropLast().reduce(0) { $0 + ExpGolomb.bitCount($1, k: k) }) / 8
                let short = Array(bytes[0..<max(cut, bytes.count - (ExpGolomb.bitCount(last, k: k) + 7) / 8)])
                if short.count < bytes.count { #expect(Self.decodeBulk(short, count: n) == nil) }
            }
        }
    }

    @Test("The best order is the one that codes the values in the fewest bits")
    func bestOrder() {
        #expect(ExpGolomb.bestOrder([UInt32]()).k == 0)
        #expect(ExpGolomb.bestOrder([0, 0, 0]) == (k: 0, bits: 3))
        // 257 at order 7: q = 3 (a zero, a one, one bit), then 7 bits; order 9 ties and the
        // lower is taken.
        #expect(ExpGolomb.bestOrder([257]) == (k: 7, bits: 10))
        var g = SeededGenerator(seed: 99)
        let values = (0..<100).map { _ in UInt32.random(in: 0...5_000, using: &g) }
        let best = ExpGolomb.bestOrder(values)
        for k in 0...31 {
            #expect(values.reduce(0) { $0 + ExpGolomb.bitCount($1, k: k) } >= best.bits)
        }
    }

    @Test("Truncated codes, runs of zeros too long for 32 bits and values past 2³² − 1 read as nil")
    func badBits() {
        // Cut short: every prefix of a stream of large values fails somewhere.
        let bytes = Self.encode([UInt32.max, 12_345, 1 << 20], k: 3)
        for n in 0..<bytes.count {
            #expect(Self.fails(Array(bytes[0..<n]), count: 3))
        }
        // 33 zeros before the one (after the 5-bit order 0): more than a 32-bit value needs.
        #expect(Self.fails([0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF], count: 1))
        // At order 31, z = 2 gives q − 1 = 3 or more: 3 << 31 does not fit in 32 bits.
        var out: [UInt8] = []
        var writer = ExpGolomb.Writer()
        writer.write(31, bits: 5, into: &out)
        writer.write(0, bits: 2, into: &out)  // z = 2
        writer.write(1, bits: 1, into: &out)
        writer.write(0, bits: 2, into: &out)  // q = 4
        writer.write(0, bits: 31, into: &out)
        writer.finish(into: &out)
        #expect(Self.fails(out, count: 1))
        // All zeros: no one ever comes.
        #expect(Self.fails([UInt8](repeating: 0, count: 64), count: 1))
    }
}
