import Foundation

/// What a batch (one child process) did.
struct BatchStats: Codable {
    struct Violation: Codable {
        var index: Int
        var message: String
        var input: String
    }

    var target: String
    var seed: UInt64
    var start: Int
    var executions = 0
    var errors: [String: Int] = [:]
    var violations: [Violation] = []
    var slowestSeconds = 0.0
    var slowestIndex = -1
    var slowestInput = ""
}

/// Shared memory between a child and the driver: the input the child is running, since when
/// (monotonic nanoseconds; 0 between inputs) and the child's CPU time then. A crash leaves it
/// pointing at the culprit.
final class StatusBoard {
    private let words: UnsafeMutablePointer<Int64>
    static let size = 64

    init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw FuzzError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard ftruncate(fd, off_t(Self.size)) == 0,
              let address = mmap(nil, Self.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), address != MAP_FAILED else {
            throw FuzzError("cannot map \(path): \(String(cString: strerror(errno)))")
        }
        words = address.assumingMemoryBound(to: Int64.self)
        words[1] = 0
    }

    func begin(_ index: Int) {
        words[1] = 0
        words[0] = Int64(index)
        words[2] = Clock.cpuNanoseconds()
        words[1] = Clock.nanoseconds()
    }

    func end() { words[1] = 0 }

    /// (input, wall-clock start, CPU time of the process at the start) as the driver sees them.
    static func read(path: String) -> (index: Int, started: Int64, cpu: Int64)? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var values = [Int64](repeating: 0, count: 3)
        let n = values.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 24, 0) }
        guard n == 24 else { return nil }
        return (Int(values[0]), values[1], values[2])
    }
}

enum Batch {
    /// Runs inputs `start`, `start + 1`, … of the batch seeded `seed` in this process, until
    /// `iterations` ran or `seconds` passed (0: no time limit).
    static func run<T: FuzzTarget>(_ type: T.Type, context: FuzzContext, seed: UInt64, start: Int, iterations: Int, seconds: Double,
                                   status: StatusBoard?, verbose: Bool, save: String?, dryRun: Bool = false) throws -> BatchStats {
        var target = try T(context: context)
        var stats = BatchStats(target: T.name, seed: seed, start: start)
        let deadline = seconds > 0 ? Clock.nanoseconds() + Int64(seconds * 1e9) : Int64.max
        var index = start
        while stats.executions < iterations && (stats.executions == 0 || Clock.nanoseconds() < deadline) {
            if !dryRun { status?.begin(index) }
            var rng = FuzzRandom(seed: seed, index: index)
            let input = target.generate(&rng)
            if verbose { print("\(T.name) seed \(seed) input \(index): \(target.describe(input))") }
            if let save {
                try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
                try target.save(input, to: save)
                if verbose { print("saved to \(save)") }
            }
            if dryRun { return stats }
            let started = Clock.nanoseconds()
            var found: [String] = []
            let kinds = target.execute(input) { found.append($0) }
            let elapsed = Double(Clock.nanoseconds() - started) / 1e9
            status?.end()
            stats.executions += 1
            for kind in kinds { stats.errors[kind, default: 0] += 1 }
            for message in found.prefix(3) where stats.violations.count < 50 {
                stats.violations.append(.init(index: index, message: message, input: target.describe(input)))
            }
            if elapsed > stats.slowestSeconds {
                stats.slowestSeconds = elapsed
                stats.slowestIndex = index
                stats.slowestInput = target.describe(input)
            }
            if verbose {
                print(String(format: "  %.3f s; errors: %@; violations: %@", elapsed,
                             kinds.isEmpty ? "none" : kinds.joined(separator: " | "), found.isEmpty ? "none" : found.joined(separator: " | ")))
            }
            index += 1
        }
        return stats
    }
}
