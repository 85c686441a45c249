import Foundation

/// Where the default index lives: `Index/seed` of the package this binary was built from,
/// found from the source file's path at build time, else `KENSAKU_INDEX`, else `./Index/seed`.
enum DefaultIndex {
    static var path: String {
        if let env = ProcessInfo.processInfo.environment["KENSAKU_INDEX"], !env.isEmpty { return env }
        let source = URL(fileURLWithPath: #filePath)  // …/Sources/kensaku/DefaultIndex.swift
        let package = source.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidate = package.appendingPathComponent("Index/seed").path
        if FileManager.default.fileExists(atPath: candidate + "/manifest.json") { return candidate }
        return FileManager.default.currentDirectoryPath + "/Index/seed"
    }
}

/// Prints to stderr.
func warn(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
