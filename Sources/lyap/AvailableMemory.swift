import Foundation

/// Host memory a command may still take: /proc/meminfo's MemAvailable, lowered to the headroom of a cgroup
/// memory limit when there is one (v2 memory.max - memory.current, v1 memory.limit_in_bytes - usage).
/// `LYAP_AVAILABLE_MEMORY=BYTES` replaces the measurement (for tests). nil when nothing can be read.
enum AvailableMemory {
    static func host(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        if let text = environment["LYAP_AVAILABLE_MEMORY"], let bytes = Int(text) { return bytes }
        var figures: [Int] = []
        if let kB = meminfo("MemAvailable") { figures.append(kB * 1024) }
        for (limit, usage) in [("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                               ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")] {
            // "max" or v1's page-rounded Int64.max: no limit.
            if let l = number(limit), l < Int.max / 2, let u = number(usage) { figures.append(max(0, l - u)) }
        }
        return figures.min()
    }

    private static func number(_ path: String) -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private static func meminfo(_ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            return Int(line.dropFirst(key.count + 1).split(whereSeparator: \.isWhitespace).first ?? "")
        }
        return nil
    }
}
