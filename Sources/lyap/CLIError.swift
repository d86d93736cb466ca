import ArgumentParser
import Foundation

/// Runs a command body so that any failure becomes one line on stderr and exit status 2: no stack
/// trace, no usage dump for errors that are about files or values rather than syntax.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch {
        let text = "\(error)"
        FileHandle.standardError.write(Data("lyap: error: \(text)\n".utf8))
        throw ExitCode(2)
    }
}

func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Informational lines go to stdout so that stderr carries only errors (and the live progress bar).
func info(_ s: String) { say("lyap: " + s) }

/// Unbuffered stdout line, so output interleaves correctly with stderr and survives a kill.
func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
