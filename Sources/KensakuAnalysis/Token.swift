/// The two token streams that analysis produces from one pass.
public enum TokenKind: UInt8, Sendable, Codable, CaseIterable {
    /// ICU dictionary words (with katakana runs repaired into whole words), Latin and digit words.
    case word = 0
    /// Character bigrams over every run of non-space characters, with a unigram for the last
    /// character of each run: every character position starts exactly one gram.
    case gram = 1
}

/// A token: a span of the normalized text. Its term is `normalized[start..<end]`, and its
/// position is `start` (positions are UTF-16 offsets into the normalized text, shared by both
/// streams, so that words and grams of one query line up with those of a document).
public struct TokenSpan: Sendable, Hashable {
    public var start: Int32
    public var end: Int32
    @inlinable public var position: Int32 { start }
    @inlinable public var length: Int { Int(end - start) }
    @inlinable public init(start: Int32, end: Int32) {
        self.start = start
        self.end = end
    }
}

/// One analyzed text: the normalized text and both token streams.
public struct AnalyzedText: Sendable {
    public var text: NormalizedText
    public var words: [TokenSpan]
    public var grams: [TokenSpan]
    /// Numbers and era years with their canonical values (see ``JapaneseNumbers``).
    public var numbers: [NumberToken] = []

    /// The term of a token as a string.
    public func term(_ token: TokenSpan) -> String {
        String(decoding: text.units[Int(token.start)..<Int(token.end)], as: UTF16.self)
    }

    /// The original byte range of a token.
    public func sourceRange(_ token: TokenSpan) -> Range<Int> {
        text.sourceRange(Int(token.start), Int(token.end))
    }

    public func tokens(_ kind: TokenKind) -> [TokenSpan] { kind == .word ? words : grams }

    public init(text: NormalizedText, words: [TokenSpan], grams: [TokenSpan], numbers: [NumberToken] = []) {
        self.text = text
        self.words = words
        self.grams = grams
        self.numbers = numbers
    }
}
