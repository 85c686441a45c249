/// Selection of the best `count` entries by score (ties: lower index first) with a bounded
/// min-heap. - Complexity: O(n log k).
enum TopK {
    static func select(_ scores: [Double], count: Int) -> [Int] {
        scores.withUnsafeBufferPointer { s in select(count: count, n: s.count) { s[$0] } }
    }

    /// ``select(_:count:)`` over the entries `among` (increasing indices into `scores`) only:
    /// returns indices into `scores`, the same order as selecting over all entries when every
    /// entry left out scores below the result's last by ``tieMargin`` or more.
    static func select(_ scores: [Double], among: [Int], count: Int) -> [Int] {
        scores.withUnsafeBufferPointer { s in
            among.withUnsafeBufferPointer { a in select(count: count, n: a.count) { s[a[$0]] } }
        }.map { among[$0] }
    }

    /// What a score ranks by: the cell of a grid of 2⁻³² that holds it, so that two scores that
    /// differ only by rounding tie (and the lower index goes first). A search that counts word
    /// alignment late (`refine`) adds the same parts in a different order from one that counts
    /// it at once (`--explain`): without the grid, two docs of equal scores could swap places
    /// between the two. (Two equal scores straddle a grid line with a chance of about 10⁻⁶.)
    @inline(__always)
    static func rank(_ score: Double) -> Double { (score * 0x1p32).rounded(.down) }

    /// Scores this far apart or more (whatever their subtraction rounds to) are in different
    /// cells of ``rank(_:)``'s grid, in the order of the scores; a score less far below another
    /// may rank alike and go first on its index. So an entry can be left out of a selection
    /// only when it scores below the selection's last by this much.
    static let tieMargin = 0x1p-31

    /// The best `count` of entries `0..<n` scored by `score` (ties, by ``rank(_:)``: lower
    /// index first), best first. The heap lives in a temporary buffer, and an entry below the
    /// heap's worst score costs one comparison: a refine round selects among thousands of docs
    /// (a two-character term's), where a heap in an array cost 15 instructions an entry in
    /// bounds and uniqueness checks.
    @inline(__always)
    static func select(count: Int, n: Int, score: (Int) -> Double) -> [Int] {
        guard count > 0, n > 0 else { return [] }
        let k = min(count, n)
        // `a` is worse than `b`.
        @inline(__always) func worse(_ a: Int, _ b: Int) -> Bool {
            let sa = score(a), sb = score(b)
            if (sa - sb).magnitude >= tieMargin { return sa < sb }
            let ra = rank(sa), rb = rank(sb)
            return ra != rb ? ra < rb : a > b
        }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: k) { heap in
            let h = heap.baseAddress!
            var size = 0
            @inline(__always) func siftDown() {
                var i = 0
                while true {
                    let l = 2 &* i &+ 1, r = l &+ 1
                    var m = i
                    if l < size && worse(h[l], h[m]) { m = l }
                    if r < size && worse(h[r], h[m]) { m = r }
                    if m == i { return }
                    (h[i], h[m]) = (h[m], h[i])
                    i = m
                }
            }
            var i = 0
            while i < n && size < k {
                h[size] = i
                var c = size
                size &+= 1
                while c > 0 {
                    let p = (c &- 1) / 2
                    guard worse(h[c], h[p]) else { break }
                    (h[c], h[p]) = (h[p], h[c])
                    c = p
                }
                i &+= 1
            }
            // Once the heap is full, its worst score: a score below it cannot get in, whatever
            // its index (NaN compares false and takes the full test).
            // (Less the tie margin: a score just below it may rank alike and win on its index.)
            var floor = score(h[0]) - tieMargin
            while i < n {
                let s = score(i)
                if !(s < floor) && worse(h[0], i) {
                    h[0] = i
                    siftDown()
                    floor = score(h[0]) - tieMargin
                }
                i &+= 1
            }
            // Best first: the heap emptied worst first, written from the back.
            var out = [Int](repeating: 0, count: size)
            var last = size
            while last > 0 {
                last &-= 1
                out[last] = h[0]
                h[0] = h[last]
                size = last
                siftDown()
            }
            return out
        }
    }
}
