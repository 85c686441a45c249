/// Maps in-memory term keys to dense ids during indexing.
///
/// A key is one prefix unit (`field << 8 | kind`) followed by the term's normalized UTF-16
/// units; all keys live in one arena. Open addressing with linear probing; the table doubles
/// at 50% load. - Complexity: O(length of the term) a lookup, amortized.
struct TermInterner {
    private var slots: [Int32]
    private var hashes: [UInt32]
    private var mask: Int
    private(set) var arena: [UInt16] = []
    private(set) var offsets: [Int32] = [0]

    init(capacity: Int = 1 << 16) {
        var size = 1
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        hashes = [UInt32](repeating: 0, count: size)
        mask = size - 1
    }

    var count: Int { offsets.count - 1 }

    /// Approximate heap bytes held.
    var memoryBytes: Int { slots.count * 8 + arena.capacity * 2 + offsets.capacity * 4 }

    func key(_ id: Int) -> ArraySlice<UInt16> { arena[Int(offsets[id])..<Int(offsets[id + 1])] }

    @inline(__always)
    static func hash(prefix: UInt16, _ units: UnsafeBufferPointer<UInt16>) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5 ^ UInt32(prefix)
        for u in units { h = (h ^ UInt32(u)) &* 0x0100_0193 }
        h ^= h >> 15
        h = h &* 0x2C1B_3C6D
        return h ^ (h >> 12)
    }

    /// Appends a key known to be new, without entering it in the hash table (the caller keeps
    /// its own index of it).
    mutating func append(prefix: UInt16, _ units: UnsafeBufferPointer<UInt16>) -> Int32 {
        let id = Int32(count)
        arena.append(prefix)
        arena.append(contentsOf: units)
        offsets.append(Int32(arena.count))
        return id
    }

    /// The id of the key, interned if new.
    @inline(__always)
    mutating func intern(prefix: UInt16, _ units: UnsafeBufferPointer<UInt16>) -> Int32 {
        let h = Self.hash(prefix: prefix, units)
        var slot = Int(h) & mask
        while true {
            let id = slots[slot]
            if id < 0 { break }
            if hashes[slot] == h && matches(Int(id), prefix: prefix, units) { return id }
            slot = (slot + 1) & mask
        }
        let id = Int32(count)
        arena.append(prefix)
        arena.append(contentsOf: units)
        offsets.append(Int32(arena.count))
        slots[slot] = id
        hashes[slot] = h
        if count * 2 > slots.count { grow() }
        return id
    }

    @inline(__always)
    private func matches(_ id: Int, prefix: UInt16, _ units: UnsafeBufferPointer<UInt16>) -> Bool {
        let start = Int(offsets[id])
        let end = Int(offsets[id + 1])
        guard end - start == units.count + 1, arena[start] == prefix else { return false }
        for i in 0..<units.count where arena[start + 1 + i] != units[i] { return false }
        return true
    }

    private mutating func grow() {
        let size = slots.count * 2
        var newSlots = [Int32](repeating: -1, count: size)
        var newHashes = [UInt32](repeating: 0, count: size)
        let newMask = size - 1
        for slot in 0..<slots.count where slots[slot] >= 0 {
            var s = Int(hashes[slot]) & newMask
            while newSlots[s] >= 0 { s = (s + 1) & newMask }
            newSlots[s] = slots[slot]
            newHashes[s] = hashes[slot]
        }
        slots = newSlots
        hashes = newHashes
        mask = newMask
    }
}

/// Open addressing from packed 64-bit keys (terms of up to three UTF-16 units) to term ids.
/// A key and its id share a slot (one cache line for a lookup): with hundreds of thousands
/// of grams the table is far larger than the caches, and a lookup is bound by its misses.
struct ShortTermTable {
    private struct Slot {
        var key: UInt64
        /// -1 for an empty slot.
        var id: Int32
    }
    private var slots: [Slot]
    private var mask: Int
    private var count = 0

    init(capacity: Int = 1 << 16) {
        slots = [Slot](repeating: Slot(key: 0, id: -1), count: capacity)
        mask = capacity - 1
    }

    var memoryBytes: Int { slots.count * MemoryLayout<Slot>.stride }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    @inline(__always)
    func find(_ key: UInt64) -> Int32? {
        slots.withUnsafeBufferPointer { slots in
            var s = Self.slot(key, mask)
            while true {
                let slot = slots[s]
                if slot.id < 0 { return nil }
                if slot.key == key { return slot.id }
                s = (s + 1) & mask
            }
        }
    }

    mutating func insert(_ key: UInt64, _ id: Int32) {
        if (count + 1) * 2 > slots.count { grow() }
        var s = Self.slot(key, mask)
        while slots[s].id >= 0 { s = (s + 1) & mask }
        slots[s] = Slot(key: key, id: id)
        count += 1
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(key: 0, id: -1), count: old.count * 2)
        mask = slots.count - 1
        count = 0
        for slot in old where slot.id >= 0 { insert(slot.key, slot.id) }
    }
}
