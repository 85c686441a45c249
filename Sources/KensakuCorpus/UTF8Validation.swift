/// UTF-8 well-formedness (Unicode 15, table 3-7): no overlong forms, no encoded surrogates,
/// nothing above U+10FFFF, no truncated sequences.
enum UTF8Validation {
    /// The 0-based offset of the first byte of the first ill-formed sequence in `bytes`,
    /// or nil when all of `bytes` is well-formed UTF-8.
    static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i < count {
            // ASCII fast path, eight bytes at a time.
            while i + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            guard i < count else { break }
            let lead = base[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            if lead < 0xC2 { return i }  // continuation byte or overlong 2-byte lead
            if lead < 0xE0 {
                guard i + 1 < count, isContinuation(base[i + 1]) else { return i }
                i += 2
                continue
            }
            if lead < 0xF0 {
                guard i + 2 < count else { return i }
                let second = base[i + 1]
                let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80  // no overlongs
                let high: UInt8 = lead == 0xED ? 0x9F : 0xBF  // no surrogates
                guard second >= low, second <= high, isContinuation(base[i + 2]) else { return i }
                i += 3
                continue
            }
            if lead < 0xF5 {
                guard i + 3 < count else { return i }
                let second = base[i + 1]
                let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80  // no overlongs
                let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF  // nothing above U+10FFFF
                guard second >= low, second <= high,
                    isContinuation(base[i + 2]), isContinuation(base[i + 3])
                else { return i }
                i += 4
                continue
            }
            return i
        }
        return nil
    }

    static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { firstInvalidOffset($0) }
    }

    /// The 1-based line number and the 0-based byte offset within that line of byte `offset`.
    static func lineAndOffset(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (line: Int, offset: Int) {
        var line = 1
        var lineStart = 0
        var i = 0
        while i < offset, i < bytes.count {
            if bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        return (line, offset - lineStart)
    }

    /// The number of Unicode scalars encoded in `bytes[..<offset]` (the bytes being valid UTF-8).
    static func scalarCount(_ bytes: UnsafeBufferPointer<UInt8>, upTo offset: Int) -> Int {
        var scalars = 0
        for i in 0..<min(offset, bytes.count) where !isContinuation(bytes[i]) {
            scalars += 1
        }
        return scalars
    }

    @inline(__always)
    static func isContinuation(_ byte: UInt8) -> Bool {
        byte & 0xC0 == 0x80
    }
}
