import KensakuAnalysis

/// A query term cut at its numbers: text pieces and number pieces, in order. 第25条 is
/// [text 第][number 25][text 条]; 平成二十三年 is [number 2011][text 年] (an era year is
/// preferred to the number inside it: the longest number at each place wins).
struct NumberPieces {
    enum Piece: Equatable {
        case text([UInt16])
        case number(String)
    }

    var pieces: [Piece]
    /// The numbers that became number pieces, in order.
    var numbers: [NumberToken]

    /// Nil when the term has no number.
    init?(_ analyzed: AnalyzedText) {
        let units = analyzed.text.units
        var chosen: [NumberToken] = []
        for number in analyzed.numbers where chosen.last.map({ number.start >= $0.end }) ?? true {
            chosen.append(number)
        }
        guard !chosen.isEmpty else { return nil }
        var pieces: [Piece] = []
        var cursor = 0
        for number in chosen {
            if Int(number.start) > cursor { pieces.append(.text(Array(units[cursor..<Int(number.start)]))) }
            pieces.append(.number(number.value))
            cursor = Int(number.end)
        }
        if cursor < units.count { pieces.append(.text(Array(units[cursor...]))) }
        // Spaces at the ends of a phrase do not constrain the match.
        if case .text(let t) = pieces.first, t.allSatisfy({ $0 == 0x20 }) { pieces.removeFirst() }
        if case .text(let t) = pieces.last, t.allSatisfy({ $0 == 0x20 }) { pieces.removeLast() }
        self.pieces = pieces
        numbers = chosen
    }

    /// The normalized ranges of `units` where the pieces match in a row, numbers by value
    /// whatever their written form (`numbers` are the text's recognized numbers).
    ///
    /// Only the positions where the first piece can begin are tried (its first character, or a
    /// number of its value): trying every position, with two arrays each, took 67 M
    /// instructions for the 10 snippets of 三十日以内 on laws2013.
    /// - Complexity: O(n + numbers + tries · (text piece length + log numbers)).
    func matches(in units: [UInt16], numbers: [NumberToken]) -> [Range<Int>] {
        guard let first = pieces.first else { return [] }
        // By start (the recognizer gives them in text order), found by binary search: a long
        // law has thousands, and a dictionary of them cost more than the matching.
        let numbers = TermMatcher.isSorted(numbers, by: { UInt32(bitPattern: $0.start) }) ? numbers : numbers.sorted { $0.start < $1.start }
        /// The numbers that start at `e`.
        func starting(at e: Int) -> ArraySlice<NumberToken> {
            var lo = 0, hi = numbers.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if Int(numbers[mid].start) < e { lo = mid + 1 } else { hi = mid }
            }
            var end = lo
            while end < numbers.count && Int(numbers[end].start) == e { end += 1 }
            return numbers[lo..<end]
        }
        // Where a first number piece can begin, increasing.
        var numberStarts: [Int] = []
        if case .number(let value) = first {
            numberStarts = numbers.filter { $0.value == value }.map { Int($0.start) }
        }
        var result: [Range<Int>] = []
        var ends: [Int] = []
        var next: [Int] = []
        var k = 0  // the next of `numberStarts`
        var p = 0
        while p < units.count {
            switch first {
            case .text(let t):
                guard let c = t.first else { return [] }
                guard units[p] == c else {
                    p += 1
                    continue
                }
            case .number:
                while k < numberStarts.count && numberStarts[k] < p { k += 1 }
                guard k < numberStarts.count else { return result }
                p = numberStarts[k]
            }
            ends.removeAll(keepingCapacity: true)
            ends.append(p)
            for piece in pieces {
                next.removeAll(keepingCapacity: true)
                for e in ends {
                    switch piece {
                    case .text(let t):
                        if e + t.count <= units.count && units[e..<(e + t.count)].elementsEqual(t) { next.append(e + t.count) }
                    case .number(let value):
                        for n in starting(at: e) where n.value == value { next.append(Int(n.end)) }
                    }
                }
                swap(&ends, &next)
                if ends.isEmpty { break }
            }
            if let end = ends.max() {
                result.append(p..<end)
                p = end
            } else {
                p += 1
            }
        }
        return result
    }
}
