import ArgumentParser
import KensakuSearch

/// `--threads` of `search` and `bench`, applied to `options` when given.
func apply(threads: Int?, to options: inout SearchOptions) throws {
    guard let threads else { return }
    guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    options.threads = threads
}
