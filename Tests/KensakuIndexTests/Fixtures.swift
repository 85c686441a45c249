import Foundation
import KensakuCorpus
@testable import KensakuIndex

enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let seedTable = packageRoot.appendingPathComponent("Index/follow-up-2011.tsv").path
    static let seedIndex = packageRoot.appendingPathComponent("Index/seed").path

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "kensaku-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @discardableResult
    static func build(corpus: String, format: CorpusFormat, into directory: String, threads: Int = 2, memoryMB: Int = 256,
                      mergeSplitBytes: Int? = nil) throws -> BuildReport {
        var source = try format.open(path: corpus, skipBad: false)
        var options = IndexBuildOptions()
        options.threads = threads
        options.memoryBudget = memoryMB << 20
        if let mergeSplitBytes { options.mergeSplitMinimumBytes = mergeSplitBytes }
        return try IndexBuilder.build(source: &source, corpusName: URL(fileURLWithPath: corpus).lastPathComponent,
                                      corpusFormat: format.rawValue, directory: directory, options: options)
    }

    static func writeJSONL(_ records: [[String: String]], to path: String) throws {
        let lines = try records.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func indexFiles(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }
}

