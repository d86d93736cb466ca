import Foundation

/// Versions recorded in every run so results can be traced to the code and machine that made them.
public struct BuildInfo: Codable, Sendable {
    public var lyap: String
    public var swift: String
    public var os: String
    public var cpu: String
    /// The source's commit and whether the tree was dirty, when known (`SourceRevision`); absent in runs
    /// written before it was recorded.
    public var source: SourceRevision?

    public static let lyapVersion = "0.1.0"

    public static var current: BuildInfo {
        BuildInfo(lyap: lyapVersion, swift: swiftVersion, os: osDescription, cpu: cpuModel, source: SourceRevision.current)
    }

    static var swiftVersion: String {
        #if swift(>=6.3)
        return "6.3+"
        #elseif swift(>=6.2)
        return "6.2"
        #else
        return "6.x"
        #endif
    }

    static var osDescription: String {
        var u = utsname()
        uname(&u)
        func field<T>(_ v: T) -> String {
            withUnsafeBytes(of: v) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        return "\(field(u.sysname)) \(field(u.release)) \(field(u.machine))"
    }

    /// The first "model name" line of /proc/cpuinfo, or "unknown".
    public static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }
}
