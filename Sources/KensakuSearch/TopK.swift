/// Selection of the best `count` entries by score (ties: lower index first) with a bounded
/// min-heap. - Complexity: O(n log k).
enum TopK {
    static func select(_ scores: [Double], count: Int) -> [Int] {
        guard count > 0, !scores.isEmpty else { return [] }
        // `a` is worse than `b`.
        @inline(__always) func worse(_ a: Int, _ b: Int) -> Bool {
            scores[a] != scores[b] ? scores[a] < scores[b] : a > b
        }
        var heap: [Int] = []
        heap.reserveCapacity(min(count, scores.count))
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
        for i in scores.indices {
            if heap.count < count {
                heap.append(i)
                var c = heap.count - 1
                while c > 0 {
                    let p = (c - 1) / 2
                    if worse(heap[c], heap[p]) { heap.swapAt(c, p); c = p } else { break }
                }
                if heap.count == count { floor = scores[heap[0]] }
            } else if scores[i] < floor {
                continue
            } else if worse(heap[0], i) {
                heap[0] = i
                siftDown(0)
                floor = scores[heap[0]]
            }
        }
        return heap.sorted { worse($1, $0) }
    }
}
