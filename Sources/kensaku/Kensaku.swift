import ArgumentParser

@main
struct Kensaku: ParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "kensaku",
        abstract: "Full-text search for Japanese policy and government text.",
        version: version,
        subcommands: [SearchCommand.self, IndexCommand.self, AnalyzeCommand.self, BenchCommand.self],
        defaultSubcommand: nil
    )
}
