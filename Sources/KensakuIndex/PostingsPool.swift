/// Growable per-term byte streams in one pool, for in-memory postings during indexing.
///
/// Each term writes into a chain of slices of growing size (16 → 32 → … → 4096 bytes); the
/// last 4 bytes of a full slice hold the pool offset of the next one (Lucene's
/// `ByteBlockPool` idea). Slices are carved from fixed 1 MiB pages that are never moved or
/// copied, so memory grows in steps of one page and ``memoryBytes`` is exact.
struct PostingsPool {
    private static let pageShift = 20
    private static let pageSize = 1 << pageShift
    private static let sizes = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]

    private var pages: [UnsafeMutablePointer<UInt8>] = []
    /// Next free offset (global: page << 20 | offset in page).
    private var top = 0
    private var head: [Int] = []
    private var write: [Int] = []
    private var limit: [Int] = []
    private var level: [UInt8] = []

    var memoryBytes: Int { pages.count * Self.pageSize + head.capacity * 25 }

    /// Frees the pages. Call once, when the pool is done with.
    mutating func deallocate() {
        for page in pages { page.deallocate() }
        pages.removeAll()
        top = 0
    }

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
        if pages.isEmpty || (top & (Self.pageSize - 1)) + size > Self.pageSize || top >> Self.pageShift >= pages.count {
            let page = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.pageSize)
            pages.append(page)
            top = (pages.count - 1) << Self.pageShift
        }
        let start = top
        top += size
        return start
    }

    @inline(__always)
    private func pointer(_ offset: Int) -> UnsafeMutablePointer<UInt8> {
        pages[offset >> Self.pageShift] + (offset & (Self.pageSize - 1))
    }

    /// Appends a run of bytes to stream `id` (one state lookup for the whole run).
    @inline(__always)
    mutating func append(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        var w = write[id]
        var end = limit[id]
        var lvl = Int(level[id])
        var page = pointer(w)
        var room = end - w
        for byte in bytes {
            if room == 0 {
                lvl = min(lvl + 1, Self.sizes.count - 1)
                let size = Self.sizes[lvl]
                let start = allocate(size)
                let link = UInt32(start)
                page[0] = UInt8(truncatingIfNeeded: link)
                page[1] = UInt8(truncatingIfNeeded: link >> 8)
                page[2] = UInt8(truncatingIfNeeded: link >> 16)
                page[3] = UInt8(truncatingIfNeeded: link >> 24)
                w = start
                end = start + size - 4
                page = pointer(w)
                room = end - w
            }
            page.pointee = byte
            page += 1
            w += 1
            room -= 1
        }
        write[id] = w
        limit[id] = end
        level[id] = UInt8(lvl)
    }

    /// The stream of `id`, contiguous, appended to `out`.
    func stream(_ id: Int, into out: inout [UInt8]) {
        var position = head[id]
        var lvl = 0
        let end = write[id]
        while true {
            let sliceEnd = position + Self.sizes[lvl] - 4
            if end >= position && end <= sliceEnd {
                out.append(contentsOf: UnsafeBufferPointer(start: pointer(position), count: end - position))
                return
            }
            out.append(contentsOf: UnsafeBufferPointer(start: pointer(position), count: sliceEnd - position))
            let p = pointer(sliceEnd)
            position = Int(p[0]) | Int(p[1]) << 8 | Int(p[2]) << 16 | Int(p[3]) << 24
            lvl = min(lvl + 1, Self.sizes.count - 1)
        }
    }
}
