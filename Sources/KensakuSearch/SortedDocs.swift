import KensakuIndex

/// Intersections of increasing doc lists: the step of every AND (``ScoredDocs/and(_:_:)``), of
/// every restriction of a term's matches to the docs still in play, and of matching `within`
/// given docs.
enum SortedDocs {
    /// The positions in `a` and in `b` (both strictly increasing) of the docs they share, in
    /// order. Walks the shorter list and finds each of its docs in the longer one from where
    /// the last was found (``PostingsCursor/firstIndex(in:from:to:atLeast:)``: the next few
    /// docs one by one, then a binary search over the rest), so a short list against a long
    /// one costs its own length times a search, not the long one's length.
    /// - Complexity: O(s · log l) at worst for lengths s ≤ l; O(s) when each next shared doc
    ///   is within 8 of the last.
    static func commonIndices(_ a: [UInt32], _ b: [UInt32]) -> (a: [Int], b: [Int]) {
        guard !a.isEmpty, !b.isEmpty else { return ([], []) }
        let aShorter = a.count <= b.count
        var short: [Int] = [], long: [Int] = []
        short.reserveCapacity(min(a.count, b.count))
        long.reserveCapacity(min(a.count, b.count))
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                let (s, l) = aShorter ? (pa, pb) : (pb, pa)
                var at = 0
                for (i, doc) in s.enumerated() {
                    at = PostingsCursor.firstIndex(in: l, from: at, to: l.count, atLeast: doc)
                    if at == l.count { break }
                    if l[at] == doc {
                        short.append(i)
                        long.append(at)
                        at &+= 1
                    }
                }
            }
        }
        return aShorter ? (short, long) : (long, short)
    }

    /// The docs in both `a` and `b` (increasing).
    static func intersect(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        commonIndices(a, b).a.map { a[$0] }
    }
}
