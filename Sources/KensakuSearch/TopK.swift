/// Selection of the best `count` entries by score (ties: lower index first) with a bounded
/// min-heap. - Complexity: O(n log k).
enum TopK {
    static func select(_ scores: [Double], count: Int) -> [Int] {
        scores.withUnsafeBufferPointer { s in select(count: count, n: s.count) { s[$0] } }
    }

    /// ``select(_:count:)`` over the entries `among` (increasing indices into `scores`) only:
    /// returns indices into `scores`, the same order as selecting over all entries when every
    /// entry left out scores below the result's last.
    static func select(_ scores: [Double], among: [Int], count: Int) -> [Int] {
        scores.withUnsafeBufferPointer { s in
            among.withUnsafeBufferPointer { a in select(count: count, n: a.count) { s[a[$0]] } }
        }.map { among[$0] }
    }

    /// The best `count` of entries `0..<n` scored by `score` (ties: lower index first).
    @inline(__always)
    private static func select(count: Int, n: Int, score: (Int) -> Double) -> [Int] {
        guard count > 0, n > 0 else { return [] }
        // `a` is worse than `b`.
        @inline(__always) func worse(_ a: Int, _ b: Int) -> Bool {
            score(a) != score(b) ? score(a) < score(b) : a > b
        }
        var heap: [Int] = []
        heap.reserveCapacity(min(count, n))
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && worse(heap[l], heap[m]) { m = l }
                if r < heap.count && worse(heap[r], heap[m]) { m = r }
                if m == i { return }
                heap.swapAt(i, m)
                i = m
            }
        }
        // The heap's worst score, once it is full: a score below it cannot get in, whatever its
        // index (NaN compares false and takes the full test).
        var floor = -Double.infinity
        for i in 0..<n {
            if heap.count < count {
                heap.append(i)
                var c = heap.count - 1
                while c > 0 {
                    let p = (c - 1) / 2
                    if worse(heap[c], heap[p]) { heap.swapAt(c, p); c = p } else { break }
                }
                if heap.count == count { floor = score(heap[0]) }
            } else if score(i) < floor {
                continue
            } else if worse(heap[0], i) {
                heap[0] = i
                siftDown(0)
                floor = score(heap[0])
            }
        }
        return heap.sorted { worse($1, $0) }
    }
}
