import LyapCore

/// Combines the shard directories of one sweep into one: same settings required, no configuration
/// in two shards, every configuration of the grid present. The result does not depend on the order
/// of the shards (records are keyed by grid index, backends sorted).
public enum SweepMerge {
    public struct Shard: Sendable {
        public var path: String
        public var manifest: SweepManifest
        public var records: [Int: [[String]]]

        public init(path: String, manifest: SweepManifest, records: [Int: [[String]]]) {
            self.path = path
            self.manifest = manifest
            self.records = records
        }

        /// Reads a sweep directory's manifest and finished configurations.
        public static func load(_ path: String) throws -> Shard {
            let dir = SweepDirectory(path)
            let m = try dir.readManifest()
            return Shard(path: path, manifest: m, records: try dir.readRecords(m.settings.grid.configurations, columns: m.settings.columns))
        }
    }

    public struct Result: Sendable {
        public var settings: SweepSettings
        public var records: [Int: [[String]]]
        public var backends: [String]
    }

    public static func combine(_ shards: [Shard]) throws(ConfigError) -> Result {
        guard let first = shards.min(by: { $0.path < $1.path }) else { throw ConfigError("merge: give at least one shard directory") }
        let settings = first.manifest.settings
        for s in shards.sorted(by: { $0.path < $1.path }) {
            if let what = s.manifest.settings.firstDifference(from: settings) {
                throw ConfigError("\(s.path): a different sweep from \(first.path) (its \(what) differs)")
            }
        }
        let configs = settings.grid.configurations
        var records: [Int: [[String]]] = [:]
        var owner: [Int: String] = [:]
        for s in shards.sorted(by: { $0.path < $1.path }) {
            for i in s.records.keys.sorted() {
                let rows = s.records[i]!
                if let other = owner[i] {
                    throw ConfigError("\(other) and \(s.path) both hold configuration \(configs[i].id); shards must not overlap")
                }
                owner[i] = s.path
                records[i] = rows
            }
        }
        let missing = configs.filter { records[$0.index] == nil }
        if !missing.isEmpty {
            let names = missing.prefix(8).map(\.id).joined(separator: ", ")
            throw ConfigError("\(missing.count) of \(configs.count) configurations missing: \(names)\(missing.count > 8 ? ", ..." : "") (a shard not given or not finished; finish it with lyap sweep --resume)")
        }
        return Result(settings: settings, records: records, backends: Array(Set(shards.flatMap(\.manifest.backends))).sorted())
    }
}
