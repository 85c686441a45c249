/// Growable byte streams in one pool, for in-memory postings during indexing.
///
/// Each stream writes into a chain of slices of growing size (16 → 32 → … → 4096 bytes); the
/// last 4 bytes of a full slice hold the pool offset of the next one (Lucene's
/// `ByteBlockPool` idea). Slices are carved from fixed 1 MiB pages that are never moved or
/// copied, so memory grows in steps of one page and ``memoryBytes`` is exact. Offsets are
/// 32-bit (page << 20 | offset in page), so a pool holds at most 4 GiB.
///
/// The pool keeps no per-stream state: a ``Stream`` is a small value that the caller stores
/// beside its own per-term data, so that appending to a term's stream touches one record
/// (a cache line) rather than one array per field. Inverting is bound by such cache misses:
/// a document touches thousands of terms, each at a random place in the tables.
struct PostingsPool {
    private static let pageShift = 20
    private static let pageSize = 1 << pageShift
    private static let sizes: [UInt32] = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]

    /// Where one stream starts and where its next byte goes.
    struct Stream {
        /// Pool offset of the first slice.
        var head: UInt32
        /// Pool offset of the next byte.
        var write: UInt32
        /// Pool offset of the current slice's link (its last 4 bytes): the end of its room.
        var limit: UInt32
        /// Index into the slice sizes of the current slice.
        var level: UInt8
    }

    private var pages: [UnsafeMutablePointer<UInt8>] = []
    /// Next free offset.
    private var top = 0

    var memoryBytes: Int { pages.count * Self.pageSize }

    /// Frees the pages. Call once, when the pool is done with.
    mutating func deallocate() {
        for page in pages { page.deallocate() }
        pages.removeAll()
        top = 0
    }

    /// A new, empty stream (its first slice allocated).
    mutating func makeStream() -> Stream {
        let start = allocate(Self.sizes[0])
        return Stream(head: start, write: start, limit: start + Self.sizes[0] - 4, level: 0)
    }

    private mutating func allocate(_ size: UInt32) -> UInt32 {
        if pages.isEmpty || (top & (Self.pageSize - 1)) + Int(size) > Self.pageSize || top >> Self.pageShift >= pages.count {
            precondition(pages.count < 1 << (32 - Self.pageShift), "postings pool over 4 GiB")
            let page = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.pageSize)
            pages.append(page)
            top = (pages.count - 1) << Self.pageShift
        }
        let start = top
        top += Int(size)
        return UInt32(start)
    }

    @inline(__always)
    private func pointer(_ offset: UInt32) -> UnsafeMutablePointer<UInt8> {
        pages[Int(offset >> UInt32(Self.pageShift))] + Int(offset & UInt32(Self.pageSize - 1))
    }

    /// Appends a byte to `stream`.
    @inline(__always)
    mutating func append(_ stream: inout Stream, _ byte: UInt8) {
        if stream.write == stream.limit { nextSlice(&stream) }
        pointer(stream.write).pointee = byte
        stream.write &+= 1
    }

    /// Appends `value` as a varint (LEB128) to `stream`.
    @inline(__always)
    mutating func appendVarint(_ stream: inout Stream, _ value: UInt32) {
        VarInt.encode(UInt64(value)) { append(&stream, $0) }
    }

    /// Links a new slice, the next size up, at the end of the current one.
    private mutating func nextSlice(_ stream: inout Stream) {
        let level = min(Int(stream.level) + 1, Self.sizes.count - 1)
        let size = Self.sizes[level]
        let start = allocate(size)
        let link = pointer(stream.limit)
        link[0] = UInt8(truncatingIfNeeded: start)
        link[1] = UInt8(truncatingIfNeeded: start >> 8)
        link[2] = UInt8(truncatingIfNeeded: start >> 16)
        link[3] = UInt8(truncatingIfNeeded: start >> 24)
        stream.write = start
        stream.limit = start + size - 4
        stream.level = UInt8(level)
    }

    /// The bytes of `stream`, contiguous, appended to `out`.
    func read(_ stream: Stream, into out: inout [UInt8]) {
        var position = stream.head
        var level = 0
        let end = stream.write
        while true {
            let sliceEnd = position + Self.sizes[level] - 4
            if end >= position && end <= sliceEnd {
                out.append(contentsOf: UnsafeBufferPointer(start: pointer(position), count: Int(end - position)))
                return
            }
            out.append(contentsOf: UnsafeBufferPointer(start: pointer(position), count: Int(sliceEnd - position)))
            let p = pointer(sliceEnd)
            position = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
            level = min(level + 1, Self.sizes.count - 1)
        }
    }
}
