import Foundation
import LyapCore
import LyapVulkan
import LyapVulkanLSTM

/// `--configs "flat=64,128;persistent=auto,256;rowreg=auto,off"`: the kernel configurations the lab tries,
/// every combination of the listed values. A key left out keeps its automatic value (flat=64,
/// persistent=auto, rowreg=auto).
enum LabSpec {
    static func parse(_ spec: String) throws -> [KernelConfig] {
        var flat = [64], persistent: [Int?] = [nil], rowreg: [KernelConfig.RowsInRegisters] = [.auto]
        var seen: Set<String> = []
        for part in spec.split(separator: ";", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, !kv[1].isEmpty else { throw ConfigError("'\(part)' is not key=value,value,... (keys: flat, persistent, rowreg)") }
            let key = kv[0], values = kv[1].split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            guard seen.insert(key).inserted else { throw ConfigError("\(key) is given twice") }
            func sizes(allowAuto: Bool) throws -> [Int?] {
                try values.map { v in
                    if allowAuto && v == "auto" { return nil }
                    guard let n = Int(v), n > 0 else {
                        throw ConfigError("\(key) takes workgroup sizes (positive integers\(allowAuto ? " or auto" : "")), not '\(v)'")
                    }
                    return n
                }
            }
            switch key {
            case "flat": flat = try sizes(allowAuto: false).map { $0! }
            case "persistent": persistent = try sizes(allowAuto: true)
            case "rowreg":
                rowreg = try values.map { v in
                    guard let r = KernelConfig.RowsInRegisters(rawValue: v) else { throw ConfigError("rowreg takes auto, on or off, not '\(v)'") }
                    return r
                }
            default: throw ConfigError("unknown key '\(key)' (keys: flat, persistent, rowreg)")
            }
        }
        return flat.flatMap { f in
            persistent.flatMap { p in rowreg.map { KernelConfig(flatWorkgroup: f, persistentWorkgroup: p, rowsInRegisters: $0) } }
        }
    }
}
