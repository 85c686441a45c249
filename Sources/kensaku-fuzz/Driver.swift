import Foundation

/// A crash, hang or invariant violation, with what reproduces it.
struct Finding {
    var target: String
    var kind: String  // crash, hang, invariant
    var seed: UInt64
    var index: Int
    var message: String
    var input: String
    var signature: String
    var saved: String?

    var repro: String { "kensaku-fuzz repro --target \(target) --seed \(seed) --input \(index)" }
}

struct TargetSummary {
    var name: String
    var executions = 0
    var seconds = 0.0
    var batches = 0
    var errors: [String: Int] = [:]
    var findings: [Finding] = []
    var maxRSSKB = 0
    var slowestSeconds = 0.0
    var slowest = ""

    /// Findings counted once per signature.
    var distinctFindings: [(Finding, Int)] {
        var order: [String] = []
        var seen: [String: (Finding, Int)] = [:]
        for f in findings {
            if let s = seen[f.signature] { seen[f.signature] = (s.0, s.1 + 1) } else { seen[f.signature] = (f, 1); order.append(f.signature) }
        }
        return order.map { seen[$0]! }
    }
}

/// Runs each target in child processes (one per batch of inputs), watching for crashes and
/// hangs, and collects the figures.
struct Driver {
    var executable: String
    var root: String
    var index: String
    var out: String
    var seed: UInt64
    var secondsPerTarget: Double
    var iterationsPerTarget: Int
    var batchSeconds: Double
    var batchIterations: Int
    var inputTimeout: Double
    var log: FileHandle

    func note(_ line: String) {
        log.write(Data((line + "\n").utf8))
    }

    /// Path of this executable.
    static func selfPath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return CommandLine.arguments[0]
    }

    enum ChildEnd {
        case exited(Int32)
        case signaled(Int32)
        case hung(index: Int)
    }

    /// Spawns `arguments` with stdout and stderr to `logPath`; returns how it ended and its peak RSS (KB).
    func runChild(_ arguments: [String], logPath: String, statusPath: String?, budget: Double) throws -> (ChildEnd, Int) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var environment = ProcessInfo.processInfo.environment
        // Unwind with DWARF info, so that a crash or a hang inside ICU or zstd still shows Kensaku's frames.
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=yes,interactive=no,unwind=precise" }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in envp { free(p) } }
        // A fresh status board: a stale one would make the new child look hung.
        if let statusPath { try Data(count: StatusBoard.size).write(to: URL(fileURLWithPath: statusPath)) }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw FuzzError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        let spawned = Clock.nanoseconds()
        var status: Int32 = 0
        var usage = rusage()
        var hungAt: Int?
        var abortedAt: Int64 = 0
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw FuzzError("wait4 failed: \(String(cString: strerror(errno)))") }
            let now = Clock.nanoseconds()
            if hungAt == nil {
                // A hang: the input used more than the limit in CPU time (so that a busy machine does
                // not make hangs), or six times the limit in wall-clock time (a child that blocks).
                if let statusPath, let board = StatusBoard.read(path: statusPath), board.started > 0,
                   Double(now - board.started) / 1e9 > inputTimeout,
                   Double(now - board.started) / 1e9 > 6 * inputTimeout
                    || Double((Clock.cpuNanoseconds(of: pid) ?? board.cpu) - board.cpu) / 1e9 > inputTimeout {
                    hungAt = board.index
                } else if Double(now - spawned) / 1e9 > budget + inputTimeout + 120 {
                    hungAt = statusPath.flatMap { StatusBoard.read(path: $0)?.index } ?? -1
                }
                if hungAt != nil {
                    // SIGABRT first: the Swift runtime prints a backtrace, which shows where it hung.
                    kill(pid, SIGABRT)
                    abortedAt = now
                }
            } else if now - abortedAt > 20_000_000_000 {
                kill(pid, SIGKILL)
                abortedAt = Int64.max / 2
            }
            usleep(20_000)
        }
        let rss = Int(usage.ru_maxrss)
        if let hungAt { return (.hung(index: hungAt), rss) }
        if status & 0x7F == 0 { return (.exited((status >> 8) & 0xFF), rss) }
        return (.signaled(status & 0x7F), rss)
    }

    /// The crash message and the first frame in Kensaku's sources, from a child's output.
    static func crashReport(_ logPath: String) -> (message: String, frame: String) {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return ("(no output)", "") }
        let lines = text.split(separator: "\n").map(String.init)
        /// (function, location) of a backtrace line: "  2  0x… specialized static X.f(_:) + 34 in kensaku-fuzz at /…/Sources/M/X.swift:148:65"
        func frame(_ line: String) -> (function: String, location: String) {
            var location = ""
            if let range = line.range(of: "/Sources/", options: .backwards) { location = String(line[range.lowerBound...].dropFirst()) }
            var function = ""
            if let address = line.range(of: "0x"), let space = line[address.upperBound...].firstIndex(of: " ") {
                var rest = line[space...]
                if let at = rest.range(of: " in ", options: .backwards) { rest = rest[..<at.lowerBound] }
                if let plus = rest.range(of: " + ", options: .backwards) { rest = rest[..<plus.lowerBound] }
                function = rest.trimmingCharacters(in: .whitespaces)
            }
            return (function, location)
        }
        var message = lines.first { $0.contains("Fatal error") || $0.contains("Precondition failed") || $0.contains("Assertion failed") }
        if message == nil, let failure = lines.first(where: { $0.contains("Swift runtime failure:") }) {
            message = frame(failure).function
        }
        if message == nil { message = lines.first { $0.contains("Program crashed") || $0.contains("ERROR: AddressSanitizer") } }
        let frames = lines.filter { ($0.contains("/Sources/Kensaku") || $0.contains("/Sources/CKensaku")) && $0.contains("0x") }.map(frame)
        let top = frames.first { !$0.function.hasPrefix("Swift runtime failure") } ?? frames.first
        let location = top.map { $0.function + " at " + $0.location } ?? ""
        return ((message ?? lines.last ?? "(no output)").trimmingCharacters(in: .whitespaces), location)
    }

    func runTarget(_ name: String, number: Int) throws -> TargetSummary {
        var summary = TargetSummary(name: name)
        let work = out + "/work-\(name)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let statusPath = work + "/status"
        let resultPath = work + "/result.json"
        let logPath = work + "/child.log"
        let started = Clock.nanoseconds()
        func elapsed() -> Double { Double(Clock.nanoseconds() - started) / 1e9 }
        var resume: (seed: UInt64, start: Int, left: Int)?
        var batch = 0
        while elapsed() < secondsPerTarget && summary.executions < iterationsPerTarget {
            let batchSeed = resume?.seed ?? FuzzRandom.mix(seed, UInt64(number) << 32 | UInt64(batch))
            let start = resume?.start ?? 0
            let count = min(resume?.left ?? batchIterations, iterationsPerTarget - summary.executions)
            let seconds = max(0.2, min(batchSeconds, secondsPerTarget - elapsed()))
            resume = nil
            batch += 1
            try? FileManager.default.removeItem(atPath: resultPath)
            note("target=\(name) batch=\(batch) seed=\(batchSeed) start=\(start) iterations≤\(count) seconds≤\(String(format: "%.1f", seconds))")
            let arguments = ["batch", "--target", name, "--seed", String(batchSeed), "--start", String(start), "--iterations", String(count),
                             "--seconds", String(seconds), "--index", index, "--root", root, "--work", work, "--status", statusPath,
                             "--result", resultPath]
            let (end, rss) = try runChild(arguments, logPath: logPath, statusPath: statusPath, budget: seconds)
            summary.batches += 1
            summary.maxRSSKB = max(summary.maxRSSKB, rss)
            switch end {
            case .exited(0):
                guard let data = FileManager.default.contents(atPath: resultPath),
                      let stats = try? JSONDecoder().decode(BatchStats.self, from: data) else {
                    throw FuzzError("batch \(batchSeed) of \(name) exited without a result; see \(logPath)")
                }
                summary.executions += stats.executions
                for (kind, n) in stats.errors { summary.errors[kind, default: 0] += n }
                for v in stats.violations {
                    summary.findings.append(Finding(target: name, kind: "invariant", seed: batchSeed, index: v.index, message: v.message,
                                                    input: v.input, signature: "invariant: " + ErrorKind.generic(v.message)))
                    note("  INVARIANT seed=\(batchSeed) input=\(v.index): \(v.message) — \(v.input)")
                }
                if stats.slowestSeconds > summary.slowestSeconds {
                    summary.slowestSeconds = stats.slowestSeconds
                    summary.slowest = "seed \(batchSeed) input \(stats.slowestIndex): \(stats.slowestInput)"
                }
            default:
                let board = StatusBoard.read(path: statusPath)
                if case .hung = end {} else if (board?.started ?? 0) == 0 {
                    // Not inside an input: the child could not start (bad index, unreadable seeds…).
                    let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                    throw FuzzError("a \(name) batch failed outside any input (\(end)):\n" + output.split(separator: "\n").prefix(20).joined(separator: "\n"))
                }
                let crashed = board?.index ?? start
                let failed: Int
                let kind: String
                var message: String
                var frame = ""
                switch end {
                case .hung(let at):
                    failed = at
                    (message, frame) = Self.crashReport(logPath)
                    if message.contains("Fatal error") || message.contains("runtime failure") {
                        kind = "crash"
                    } else {
                        kind = "hang"
                        message = "input ran longer than \(inputTimeout) s"
                    }
                case .signaled(let signal):
                    failed = crashed
                    kind = "crash"
                    (message, frame) = Self.crashReport(logPath)
                    message = "signal \(signal): " + message
                case .exited(let code):
                    failed = crashed
                    kind = "crash"
                    (message, frame) = Self.crashReport(logPath)
                    message = "exit \(code): " + message
                }
                summary.executions += max(0, failed - start) + 1
                let signature = kind + ": " + (frame.isEmpty ? ErrorKind.generic(message) : frame)
                var finding = Finding(target: name, kind: kind, seed: batchSeed, index: failed, message: message, input: "", signature: signature)
                let sameSignature = summary.findings.filter { $0.signature == signature }.count
                // Save the input (generation only, in a child as well) and the output, for the first few of a kind.
                if sameSignature < 3 {
                    let directory = out + "/findings/\(name)-\(batchSeed)-\(failed)"
                    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                    try? FileManager.default.copyItem(atPath: logPath, toPath: directory + "/output.txt")
                    let describePath = directory + "/input.txt"
                    _ = try? runChild(["repro", "--target", name, "--seed", String(batchSeed), "--input", String(failed), "--save", directory,
                                       "--no-run", "--index", index, "--root", root, "--work", work],
                                      logPath: describePath, statusPath: nil, budget: 60)
                    finding.input = ((try? String(contentsOfFile: describePath, encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init) ?? ""
                    finding.saved = directory
                }
                summary.findings.append(finding)
                note("  \(kind.uppercased()) seed=\(batchSeed) input=\(failed): \(message) \(frame) — \(finding.input)")
                note("    reproduce: \(finding.repro)")
                let left = count - (failed - start) - 1
                if left > 0 { resume = (batchSeed, failed + 1, left) }
            }
        }
        summary.seconds = elapsed()
        return summary
    }
}
