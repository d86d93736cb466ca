import Foundation
import LyapData
import LyapIO

// Usage: lyap-make-embedded ARCHIVE OUT
// Builds the embedded IMDb subset from ARCHIVE (or an extracted folder) and writes it to OUT.
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: lyap-make-embedded ARCHIVE OUT\n".utf8))
    exit(2)
}
let started = Date()
do {
    let bytes = try EmbeddedData.make(from: arguments[1]) { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
    let seconds = Date().timeIntervalSince(started)
    try Data(bytes).write(to: URL(fileURLWithPath: arguments[2]))
    print("wrote \(arguments[2]): \(bytes.count) bytes in \(String(format: "%.2f", seconds)) s")
    print("sha256 \(SHA256.hexDigest(of: bytes))")
} catch {
    FileHandle.standardError.write(Data("lyap-make-embedded: \(error)\n".utf8))
    exit(1)
}
