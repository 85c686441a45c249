import ArgumentParser
import Foundation
import KensakuIndex
import KensakuSearch

@main
struct KensakuFuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kensaku-fuzz",
        abstract: "Seeded, mutation-based fuzzing of Kensaku's parsers, analyzer, query engine and index reader.",
        discussion: """
        Targets: \(Targets.names.joined(separator: ", ")). `run` fuzzes each target for a bounded time, one child
        process per batch of inputs, so that a crash or a hang is caught and reported with the seed and
        input that reproduce it (`repro`). Inputs are deterministic for a seed.
        """,
        subcommands: [Run.self, BatchCommand.self, Repro.self, QueryFile.self],
        defaultSubcommand: Run.self
    )
}

struct Location: ParsableArguments {
    @Option(help: "The package root (default: the one this binary was built from).")
    var root: String?
    @Option(help: "The index to search and corrupt (default: Index/seed, or a fresh build of the seed report when it does not open).")
    var index: String?
    @Option(help: "Scratch directory.")
    var work: String?
    @Flag(help: "Fuzz a fresh build of the seed report, written by this binary, instead of Index/seed.")
    var freshIndex = false

    /// Removes the scratch directory when it was made for this process (no `--work`).
    func cleanUp(_ context: FuzzContext) {
        if work == nil { try? FileManager.default.removeItem(atPath: context.work) }
    }

    func context() throws -> FuzzContext {
        let root = root ?? FuzzContext.defaultRoot
        let work = work ?? NSTemporaryDirectory() + "kensaku-fuzz-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let index = try FuzzContext.prepareIndex(root: root, requested: index, fresh: freshIndex, work: work) { FileHandle.standardError.write(Data(("note: " + $0 + "\n").utf8)) }
        return FuzzContext(root: root, index: index, work: work)
    }
}

/// Writes a line to stdout at once (progress shows through a pipe too).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fuzz targets for a bounded time (the default command).")

    @Option(help: "Targets, comma-separated.")
    var targets: String = Targets.names.joined(separator: ",")
    @Option(help: "Seconds per target.")
    var seconds: Double = 60
    @Option(help: "At most this many inputs per target.")
    var iterations: Int = Int.max
    @Option(help: "Run seed (default: from the clock; printed).")
    var seed: UInt64?
    @Option(help: "Seconds per child process.")
    var batchSeconds: Double = 5
    @Option(help: "Inputs per child process at most.")
    var batchIterations: Int = 1_000_000
    @Option(help: "An input using more CPU seconds than this (or six times as many wall-clock seconds) is a hang.")
    var inputTimeout: Double = 10
    @Option(help: "Directory for the log and the findings (default: /tmp/kensaku-fuzz-SEED).")
    var out: String?
    @OptionGroup var location: Location

    func run() throws {
        let seed = seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
        let out = out ?? NSTemporaryDirectory() + "kensaku-fuzz-\(seed)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var location = location
        if location.work == nil { location.work = out + "/work" }
        let context = try location.context()
        let names = targets.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for name in names where !Targets.names.contains(name) {
            throw ValidationError("unknown target '\(name)' (targets: \(Targets.names.joined(separator: ", ")))")
        }
        let logPath = out + "/fuzz.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw FuzzError("cannot write \(logPath)") }
        say("kensaku-fuzz: seed \(seed), \(names.joined(separator: ", ")), \(seconds) s per target; index \(context.index)")
        say("log: \(logPath)")
        let driver = Driver(executable: Driver.selfPath(), root: context.root, index: context.index, out: out, seed: seed,
                            secondsPerTarget: seconds, iterationsPerTarget: iterations, batchSeconds: batchSeconds,
                            batchIterations: batchIterations, inputTimeout: inputTimeout, log: log)
        var summaries: [TargetSummary] = []
        for (number, name) in names.enumerated() {
            say("fuzzing \(name)…")
            let summary = try driver.runTarget(name, number: Targets.names.firstIndex(of: name) ?? number)
            summaries.append(summary)
            say(String(format: "  %d executions in %.1f s, %d error kinds, %d findings", summary.executions, summary.seconds,
                       summary.errors.count, summary.distinctFindings.count))
        }
        say(report(summaries, seed: seed))
        try? FileManager.default.removeItem(atPath: out + "/work")
        if summaries.contains(where: { !$0.findings.isEmpty }) { throw ExitCode(1) }
    }

    func report(_ summaries: [TargetSummary], seed: UInt64) -> String {
        var lines: [String] = []
        lines.append("")
        lines.append("target      executions   exec/s  error kinds  crashes  hangs  invariant  peak RSS  slowest input")
        for s in summaries {
            func count(_ kind: String) -> Int { s.distinctFindings.filter { $0.0.kind == kind }.count }
            lines.append(s.name.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: " %11d %8.1f %12d %8d %6d %10d %7d MB  %.2f s", s.executions,
                                Double(s.executions) / max(0.001, s.seconds), s.errors.count, count("crash"), count("hang"),
                                count("invariant"), s.maxRSSKB / 1024, s.slowestSeconds))
        }
        for s in summaries {
            lines.append("")
            lines.append("\(s.name): \(s.executions) executions, \(s.batches) batches; slowest input \(String(format: "%.2f", s.slowestSeconds)) s (\(s.slowest.prefix(160)))")
            lines.append("  error kinds (\(s.errors.count)):")
            for (kind, n) in s.errors.sorted(by: { $0.value > $1.value }).prefix(15) { lines.append("    \(n)× \(kind)") }
            if s.errors.count > 15 { lines.append("    … \(s.errors.count - 15) more") }
            let distinct = s.distinctFindings
            lines.append("  findings (\(distinct.count) distinct, \(s.findings.count) in all):")
            for (f, n) in distinct {
                lines.append("    [\(f.kind)] \(n)× \(f.message)")
                if !f.signature.isEmpty { lines.append("      where: \(f.signature)") }
                lines.append("      input: \(f.input.prefix(200))")
                lines.append("      reproduce: \(f.repro)" + (f.saved.map { "   (saved in \($0))" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }
}

struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "batch", abstract: "Run one batch of inputs in this process (used by `run`).")

    @Option(help: "The target.")
    var target: String
    @Option(help: "The batch seed.")
    var seed: UInt64
    @Option(help: "The first input.")
    var start: Int = 0
    @Option(help: "Inputs at most.")
    var iterations: Int = 1000
    @Option(help: "Seconds at most (0: no limit).")
    var seconds: Double = 0
    @Option(help: "Status file shared with the driver.")
    var status: String?
    @Option(help: "Where to write the batch's figures (JSON; default: stdout).")
    var result: String?
    @Flag(help: "Print every input and its outcome.")
    var verbose = false
    @OptionGroup var location: Location

    func run() throws {
        let context = try location.context()
        defer { location.cleanUp(context) }
        let board = try status.map { try StatusBoard(path: $0) }
        let stats = try Targets.with(target) { type in
            try Batch.run(type, context: context, seed: seed, start: start, iterations: iterations, seconds: seconds, status: board,
                          verbose: verbose, save: nil)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(stats)
        if let result { try data.write(to: URL(fileURLWithPath: result)) } else { print(String(decoding: data, as: UTF8.self)) }
    }
}

struct Repro: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Regenerate one input (print it, save it) and run it in this process.")

    @Option(help: "The target.")
    var target: String
    @Option(help: "The batch seed (as printed in a finding).")
    var seed: UInt64
    @Option(help: "The input number.")
    var input: Int
    @Option(help: "Save the input in this directory (a file, or an index directory for `reader`).")
    var save: String?
    @Flag(help: "Only print and save the input.")
    var noRun = false
    @OptionGroup var location: Location

    func run() throws {
        let context = try location.context()
        defer { location.cleanUp(context) }
        _ = try Targets.with(target) { type in
            try Batch.run(type, context: context, seed: seed, start: input, iterations: 1, seconds: 0, status: nil, verbose: true,
                          save: save, dryRun: noRun)
        }
    }
}

struct QueryFile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query-file", abstract: "Time one query read from a file (queries too long for a command line).")

    @Argument(help: "The file holding the query (UTF-8).")
    var file: String
    @Option(help: "Hits to return.")
    var limit: Int = 10
    @OptionGroup var location: Location

    func run() throws {
        let context = try location.context()
        defer { location.cleanUp(context) }
        let query = String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
        let searcher = try Searcher(index: IndexReader.open(directory: context.index))
        var options = SearchOptions()
        options.limit = limit
        let started = Clock.nanoseconds()
        let outcome: String
        do {
            let result = try searcher.search(query, options: options)
            outcome = "\(result.total) hits"
        } catch {
            outcome = "error: \(String(describing: error).prefix(200))"
        }
        print(String(format: "%.3f s, %d characters: %@", Double(Clock.nanoseconds() - started) / 1e9, query.count, outcome))
    }
}
