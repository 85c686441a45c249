#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a ``ByteInput`` into lines (`\n`-terminated; the last line may lack the `\n`),
/// reading in large chunks into one growable buffer, without copying lines.
///
/// A line handed out by ``nextLine()`` excludes its `\n` (a `\r` before it is kept: JSON
/// treats it as whitespace) and stays valid only until the next call. Memory stays within
/// about twice the longest accepted line plus one chunk.
final class LineReader {
    let input: ByteInput
    /// The longest line accepted (in bytes, without its newline); a longer one is returned as
    /// ``Line/tooLong(length:)`` and never held in memory whole (guards against a hostile
    /// file without newlines).
    let maxLineLength: Int
    /// 1-based number of the line last returned (0 before the first).
    private(set) var lineNumber = 0
    /// Bytes of the lines returned so far, newlines included (uncompressed bytes).
    private(set) var consumedBytes: UInt64 = 0

    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The buffer's initial size, to which it shrinks back after a long line.
    private let baseCapacity: Int
    private var start = 0
    private var end = 0
    private var atEnd = false

    static let defaultChunk = 4 << 20

    init(input: ByteInput, chunk: Int = LineReader.defaultChunk, maxLineLength: Int = 1 << 30) {
        self.input = input
        self.capacity = max(chunk, 16)
        self.baseCapacity = capacity
        self.maxLineLength = maxLineLength
        self.storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
    }

    /// A line, or the length of a line longer than ``maxLineLength`` (whose bytes were
    /// dropped as they were read).
    enum Line {
        case bytes(UnsafeBufferPointer<UInt8>)
        case tooLong(length: Int)
    }

    /// The next line, or nil at the end of the input. Throws only when the input cannot be
    /// read (I/O error, corrupt compressed stream).
    func nextLine() throws(CorpusError) -> Line? {
        var searchFrom = start
        var dropped = 0  // bytes of an overlong line already thrown away
        while true {
            if searchFrom < end, let hit = memchr(storage + searchFrom, 0x0A, end - searchFrom) {
                let newline = hit.assumingMemoryBound(to: UInt8.self) - storage
                return take(upTo: newline, separator: 1, dropped: dropped)
            }
            searchFrom = end
            if atEnd {
                return start < end || dropped > 0 ? take(upTo: end, separator: 0, dropped: dropped) : nil
            }
            if end - start > maxLineLength {
                // Too long to keep: count it and drop it, then look for its end.
                dropped += end - start
                consumedBytes += UInt64(end - start)
                start = end
            }
            refill(searchFrom: &searchFrom)
            let got: Int
            do {
                got = try input.read(into: storage + end, capacity: capacity - end)
            } catch {
                throw CorpusError(file: error.file, line: lineNumber + 1, reason: error.reason)
            }
            if got == 0 { atEnd = true } else { end += got }
        }
    }

    /// Gives back a buffer grown for a long line, once that line is done with: the buffer
    /// returns to its initial size when what is left in it fits in half of that. The line last
    /// returned is invalid afterwards.
    func shrink() {
        let pending = end - start
        guard capacity > baseCapacity && pending <= baseCapacity / 2 else { return }
        let smaller = UnsafeMutablePointer<UInt8>.allocate(capacity: baseCapacity)
        smaller.update(from: storage + start, count: pending)
        storage.deallocate()
        storage = smaller
        capacity = baseCapacity
        start = 0
        end = pending
    }

    private func take(upTo stop: Int, separator: Int, dropped: Int) -> Line {
        let length = dropped + stop - start
        let line = UnsafeBufferPointer(start: storage + start, count: stop - start)
        consumedBytes += UInt64(stop - start + separator)
        start = stop + separator
        lineNumber += 1
        return length > maxLineLength ? .tooLong(length: length) : .bytes(line)
    }

    /// Makes room after `end`: moves the pending partial line to the front, doubles the
    /// buffer when that line already fills most of it, and shrinks it back to its initial size
    /// once a long line is done with (see ``shrink()``).
    private func refill(searchFrom: inout Int) {
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(storage, storage + start, pending) }
            searchFrom -= start
            end = pending
            start = 0
        }
        shrink()
        if capacity - end < capacity / 4 {
            let bigger = capacity * 2
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
            grown.update(from: storage, count: end)
            storage.deallocate()
            storage = grown
            capacity = bigger
        }
    }
}
