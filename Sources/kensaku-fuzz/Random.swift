/// A small, fast, deterministic generator (SplitMix64): the same seed gives the same inputs on
/// every run and every machine, which is what makes a finding reproducible from its seed.
struct FuzzRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// The generator of input `index` of the batch seeded `seed`: every input has its own
    /// stream, so input `i` can be regenerated without generating the inputs before it.
    init(seed: UInt64, index: Int) {
        state = FuzzRandom.mix(seed, UInt64(truncatingIfNeeded: index))
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A well-spread combination of two values (batch seeds from a run seed, input streams
    /// from a batch seed).
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var r = FuzzRandom(seed: a ^ (b &* 0xD1B5_4A32_D192_ED03))
        _ = r.next()
        return r.next()
    }

    /// A uniform integer in `range` (which must not be empty).
    mutating func int(_ range: Range<Int>) -> Int {
        precondition(!range.isEmpty)
        return range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { int(range.lowerBound..<(range.upperBound + 1)) }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }

    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }

    /// A length biased towards small values: usually under 16, sometimes up to `max`.
    mutating func length(max: Int) -> Int {
        guard max > 0 else { return 0 }
        switch int(0..<10) {
        case 0..<6: return int(0...min(max, 16))
        case 6..<9: return int(0...min(max, 512))
        default: return int(0...max)
        }
    }
}
