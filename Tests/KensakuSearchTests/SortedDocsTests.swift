@testable import KensakuSearch
import KensakuTestSupport
import Testing

@Suite("Sorted doc lists")
struct SortedDocsTests {
    @Test("Common positions of two increasing lists, short against long and alike",
          arguments: [(0, 50), (1, 1), (3, 4_000), (200, 4_000), (1_000, 1_200), (4_000, 3)])
    func commonIndices(aCount: Int, bCount: Int) {
        var rng = SeededGenerator(seed: UInt64(aCount * 7_919 + bCount))
        func list(_ n: Int) -> [UInt32] { Array(Set((0..<n).map { _ in UInt32.random(in: 0..<8_000, using: &rng) })).sorted() }
        let a = list(aCount), b = list(bCount)
        let (ia, ib) = SortedDocs.commonIndices(a, b)
        let expected = Set(a).intersection(b).sorted()
        #expect(ia.map { a[$0] } == expected)
        #expect(ib.map { b[$0] } == expected)
        #expect(SortedDocs.intersect(a, b) == expected && SortedDocs.intersect(b, a) == expected)
    }
}
