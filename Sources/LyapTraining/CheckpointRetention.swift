import Foundation
import LyapCore

/// `--keep`: which checkpoints a long run keeps, so 10,000-epoch runs do not fill the disk. The newest
/// checkpoint is always kept (resume needs it). SPEC is a comma list of `every:K` (epochs divisible by K),
/// `best` (the checkpointed epoch with the lowest test loss so far) and `transitions` (checkpointed epochs
/// whose analysed phase differs from the previous analysed epoch's; needs --analyze-every).
public struct CheckpointRetention: Codable, Sendable, Equatable {
    public var every: Int?
    public var best: Bool
    public var transitions: Bool

    public init(every: Int? = nil, best: Bool = false, transitions: Bool = false) {
        self.every = every
        self.best = best
        self.transitions = transitions
    }

    public static func parse(_ spec: String) throws(ConfigError) -> CheckpointRetention {
        var r = CheckpointRetention()
        for part in spec.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if part == "best" {
                r.best = true
            } else if part == "transitions" {
                r.transitions = true
            } else if part.hasPrefix("every:"), let k = Int(part.dropFirst(6)), k >= 1 {
                r.every = k
            } else {
                throw ConfigError("--keep \(spec): '\(part)' is not every:K (K >= 1), best or transitions")
            }
        }
        if r.every == nil && !r.best && !r.transitions { throw ConfigError("--keep \(spec): nothing to keep") }
        return r
    }

    /// The epochs to keep among `checkpoints`, given the metrics rows so far (columns of MetricsLog).
    public func kept(checkpoints: [Int], rows: [[String]]) -> Set<Int> {
        var keep = Set<Int>()
        if let last = checkpoints.max() { keep.insert(last) }
        let have = Set(checkpoints)
        if let k = every { for e in checkpoints where e % k == 0 { keep.insert(e) } }
        let testLoss = MetricsLog.header.firstIndex(of: "test_loss")!
        let phase = MetricsLog.header.count + MetricsLog.analysisHeader.firstIndex(of: "phase")!
        if best {
            let candidates = rows.compactMap { r -> (Int, Double)? in
                guard let e = Int(r[0]), have.contains(e), r.count > testLoss, let l = Double(r[testLoss]) else { return nil }
                return (e, l)
            }
            if let b = candidates.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) { keep.insert(b.0) }
        }
        if transitions {
            var previous: String?
            for r in rows where r.count > phase && !r[phase].isEmpty {
                if let p = previous, p != r[phase], let e = Int(r[0]), have.contains(e) { keep.insert(e) }
                previous = r[phase]
            }
        }
        return keep
    }
}
