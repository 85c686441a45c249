import Foundation

/// Okapi BM25 with Lucene's idf, summed over fields with weights.
///
///     idf(t)      = ln(1 + (N − df + 0.5) / (df + 0.5))
///     score(t, d) = Σ_fields boost_f · idf · tf·(k1 + 1) / (tf + k1·(1 − b + b·len_f/avglen_f))
///
/// `tf` counts a term's occurrences in the field, with word-aligned occurrences (where the
/// document's words line up with the query's) counted twice, so that 査証 as a word ranks above
/// 査証 inside 検査証.
public struct BM25: Sendable, Equatable {
    public var k1: Double = 1.2
    public var b: Double = 0.75

    public init(k1: Double = 1.2, b: Double = 0.75) {
        self.k1 = k1
        self.b = b
    }

    public func idf(documentCount: Int, docFreq: Int) -> Double {
        log(1 + (Double(documentCount) - Double(docFreq) + 0.5) / (Double(docFreq) + 0.5))
    }

    @inline(__always)
    public func termScore(tf: Double, length: Double, averageLength: Double) -> Double {
        termScore(tf: tf, norm: lengthNorm(length: length, averageLength: averageLength))
    }

    /// The length part of the denominator, `k1·(1 − b + b·len/avglen)`: the same for every term
    /// of a doc's field, so a searcher computes it once a doc (see ``termScore(tf:norm:)``).
    @inline(__always)
    public func lengthNorm(length: Double, averageLength: Double) -> Double {
        k1 * (1 - b + b * length / averageLength)
    }

    /// ``termScore(tf:length:averageLength:)`` with the length norm given: the same value, bit
    /// for bit, with one division instead of two.
    @inline(__always)
    public func termScore(tf: Double, norm: Double) -> Double {
        tf * (k1 + 1) / (tf + norm)
    }

    /// A one-line account of one field's contribution, for `--explain`.
    public func explain(field: String, boost: Double, idf: Double, tf: Double, length: Double, averageLength: Double) -> String {
        let part = termScore(tf: tf, length: length, averageLength: averageLength)
        return String(format: "%@: %.3f = boost %.1f × idf %.3f × tf %.1f·(k1+1)/(tf + k1·(1−b+b·len %.0f/avg %.1f)) [k1=%.2f b=%.2f]",
                      field, boost * idf * part, boost, idf, tf, length, averageLength, k1, b)
    }
}
