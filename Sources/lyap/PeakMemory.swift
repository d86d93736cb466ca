import Foundation

/// This process's peak resident memory so far (VmHWM in /proc/self/status), for the line that ends a run
/// next to the preflight's estimate; nil where /proc is not there.
enum PeakMemory {
    static var bytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst("VmHWM:".count).split(whereSeparator: \.isWhitespace).first ?? "").map { $0 * 1024 }
        }
        return nil
    }
}
