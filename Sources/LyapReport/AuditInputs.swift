import Foundation
import LyapCore
import LyapIO

/// One `lyap audit` output folder (audit.csv, audit.json beside it optional): the divergence of each twin.
public struct AuditCurves: Sendable {
    public struct Twin: Sendable {
        public var name: String
        public var perturbation: String
        public var epochsAfter: [Double] = []
        public var dTheta: [Double?] = []
        public var disagreement: [Double?] = []
        /// The training-trajectory Lyapunov exponent from audit.json (per epoch), when fitted.
        public var lyapunov: Double?
    }

    /// The folder, relative to the run directory when it lies inside it.
    public var name: String
    /// The branch epoch (epoch - epochs_after of the rows).
    public var at: Int?
    public var twins: [Twin] = []

    public static func read(dir: String, name: String) throws -> AuditCurves {
        let path = dir + "/audit.csv"
        let t = try CSVTable.read(path: path)
        func col(_ n: String) throws -> Int {
            guard let i = t.header.firstIndex(of: n) else { throw ConfigError("\(path): no '\(n)' column (not written by lyap audit?)") }
            return i
        }
        let (it, ip, ia, ie, id, ig) = (try col("twin"), try col("perturbation"), try col("epochs_after"), try col("epoch"),
                                        try col("d_theta"), try col("disagreement"))
        var out = AuditCurves(name: name)
        for (n, row) in t.rows.enumerated() {
            guard let a = Double(row[ia]) else { throw ConfigError("\(path): row \(n + 2): epochs_after '\(row[ia])' is not a number") }
            if out.twins.last?.name != row[it] { out.twins.append(Twin(name: row[it], perturbation: row[ip])) }
            let k = out.twins.count - 1
            out.twins[k].epochsAfter.append(a)
            out.twins[k].dTheta.append(Double(row[id]))
            out.twins[k].disagreement.append(Double(row[ig]))
            if out.at == nil, let e = Int(row[ie]) { out.at = e - Int(a) }
        }
        if let data = FileManager.default.contents(atPath: dir + "/audit.json"),
           let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let twins = top["twins"] as? [[String: Any]] {
            for tw in twins {
                guard let n = tw["name"] as? String, let k = out.twins.firstIndex(where: { $0.name == n }) else { continue }
                out.twins[k].lyapunov = (tw["lyapunovPerEpoch"] as? NSNumber)?.doubleValue
            }
        }
        return out
    }

    /// Every folder directly inside `runDir` that holds an audit.csv (lyap audit's default is RUN/audit-eEPOCH), by name.
    public static func find(in runDir: String) throws -> [AuditCurves] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: runDir)) ?? []).sorted()
        return try names.filter { FileManager.default.fileExists(atPath: runDir + "/" + $0 + "/audit.csv") }
            .map { try read(dir: runDir + "/" + $0, name: $0) }
    }
}
