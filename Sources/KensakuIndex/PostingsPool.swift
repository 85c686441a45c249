/// Growable per-term byte streams in one pool, for in-memory postings during indexing.
///
/// Each term writes into a chain of slices of growing size (16 → 32 → … → 4096 bytes); the
/// last 4 bytes of a full slice hold the pool offset of the next one (Lucene's
/// `ByteBlockPool` idea). One allocation serves millions of terms.
struct PostingsPool {
    private(set) var bytes: [UInt8] = []
    private var head: [Int] = []
    private var write: [Int] = []
    private var limit: [Int] = []
    private var level: [UInt8] = []
    private static let sizes = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]

    var memoryBytes: Int { bytes.capacity + head.capacity * 25 }

    /// Registers streams up to `id`.
    mutating func ensure(_ id: Int) {
        while head.count <= id {
            let start = allocate(Self.sizes[0])
            head.append(start)
            write.append(start)
            limit.append(start + Self.sizes[0] - 4)
            level.append(0)
        }
    }

    private mutating func allocate(_ size: Int) -> Int {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: size))
        return start
    }

    @inline(__always)
    mutating func append(_ id: Int, _ byte: UInt8) {
        var w = write[id]
        if w == limit[id] {
            let next = Int(min(Int(level[id]) + 1, Self.sizes.count - 1))
            let size = Self.sizes[next]
            let start = allocate(size)
            let link = UInt32(start)
            bytes[w] = UInt8(truncatingIfNeeded: link)
            bytes[w + 1] = UInt8(truncatingIfNeeded: link >> 8)
            bytes[w + 2] = UInt8(truncatingIfNeeded: link >> 16)
            bytes[w + 3] = UInt8(truncatingIfNeeded: link >> 24)
            level[id] = UInt8(next)
            limit[id] = start + size - 4
            w = start
        }
        bytes[w] = byte
        write[id] = w + 1
    }

    @inline(__always)
    mutating func appendVarInt(_ id: Int, _ value: UInt32) {
        var v = value
        while v >= 0x80 {
            append(id, UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(id, UInt8(v))
    }

    /// The stream of `id`, contiguous.
    func stream(_ id: Int, into out: inout [UInt8]) {
        var position = head[id]
        var size = Self.sizes[0]
        var lvl = 0
        let end = write[id]
        while true {
            let sliceEnd = position + size - 4
            if end >= position && end <= sliceEnd {
                out.append(contentsOf: bytes[position..<end])
                return
            }
            out.append(contentsOf: bytes[position..<sliceEnd])
            let link = Int(bytes[sliceEnd]) | Int(bytes[sliceEnd + 1]) << 8 | Int(bytes[sliceEnd + 2]) << 16 | Int(bytes[sliceEnd + 3]) << 24
            position = link
            lvl = min(lvl + 1, Self.sizes.count - 1)
            size = Self.sizes[lvl]
        }
    }
}
