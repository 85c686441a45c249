import KensakuTestSupport
@testable import KensakuIndex
import Testing

/// The four-lane block layout: what `packBlock` writes, the generated `unpackBlock` (one
/// unrolled decoder a width) and the bit-by-bit `unpackBlockPortably` read back.
@Suite("Bit packing")
struct BitPackingTests {
    @Test("A block of every width reads back, by the unrolled and the portable decoder", arguments: 0...32)
    func blockRoundTrip(width: Int) throws {
        var g = SeededGenerator(seed: UInt64(width) &* 7_919 &+ 1)
        let mask = UInt32(truncatingIfNeeded: BitPacking.mask(width))
        for round in 0..<4 {
            // Random values, then the extremes: all ones at the width, and all zeros.
            let values: [UInt32] = (0..<BitPacking.blockSize).map { i in
                switch round {
                case 0, 1: UInt32.random(in: 0...UInt32.max, using: &g) & mask
                case 2: mask
                default: i % 2 == 0 ? mask : 0
                }
            }
            var bytes: [UInt8] = []
            values.withUnsafeBufferPointer { BitPacking.packBlock($0, width: width, into: &bytes) }
            #expect(bytes.count == BitPacking.byteCount(width: width))
            // The decoders read exactly byteCount bytes: a guard byte after them must not matter.
            bytes.append(0xA5)
            var unrolled = [UInt32](repeating: 0xDEAD_BEEF, count: BitPacking.blockSize)
            var portable = unrolled
            bytes.withUnsafeBytes { raw in
                unrolled.withUnsafeMutableBufferPointer { BitPacking.unpackBlock(raw.baseAddress!, width: width, into: $0.baseAddress!) }
                portable.withUnsafeMutableBufferPointer { BitPacking.unpackBlockPortably(raw.baseAddress!, width: width, into: $0.baseAddress!) }
            }
            #expect(unrolled == values, "width \(width), round \(round)")
            #expect(portable == values, "width \(width), round \(round)")
        }
    }
}
