import Foundation
import LyapCore
import LyapIO

/// The on-disk layout of a sweep:
///   DIR/sweep.json            settings, shard, backends, H*(p) (`SweepManifest`)
///   DIR/sweep.csv             every finished configuration's rows, in grid order (`SweepTable`)
///   DIR/configs/ID.csv        one finished configuration (its completion record; written atomically
///                             after its last epoch)
///   DIR/partial/ID.safetensors the state of an unfinished group of configurations every few epochs
///                             (`SweepGroupCheckpoint`), so --resume continues inside it
public struct SweepDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }

    public var manifestPath: String { path + "/sweep.json" }
    public var csvPath: String { path + "/sweep.csv" }
    public var configsPath: String { path + "/configs" }
    public func recordPath(_ c: SweepConfiguration) -> String { configsPath + "/" + c.id + ".csv" }

    public var isSweep: Bool { FileManager.default.fileExists(atPath: manifestPath) }

    public func readManifest() throws -> SweepManifest {
        guard isSweep else { throw ConfigError("\(path): no sweep.json (not a lyap sweep directory)") }
        return try JSONFile.read(SweepManifest.self, from: manifestPath)
    }

    public func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: configsPath, withIntermediateDirectories: true)
        } catch {
            throw ConfigError("\(path): cannot create the sweep directory (\(error.localizedDescription))")
        }
    }

    /// Marks a configuration finished by writing its rows.
    public func writeRecord(_ c: SweepConfiguration, columns: [String], rows: [[String]]) throws {
        try CSVTable(header: columns, rows: rows).write(path: recordPath(c))
    }

    /// Rows of every finished configuration among `configurations`, by grid index.
    public func readRecords(_ configurations: [SweepConfiguration], columns: [String]) throws -> [Int: [[String]]] {
        var out: [Int: [[String]]] = [:]
        for c in configurations where FileManager.default.fileExists(atPath: recordPath(c)) {
            let t = try CSVTable.read(path: recordPath(c))
            guard t.header == columns else {
                throw ConfigError("\(recordPath(c)): columns \(t.header.joined(separator: ",")) differ from the sweep's")
            }
            out[c.index] = t.rows
        }
        return out
    }

    /// Rewrites sweep.csv (records in grid order) and sweep.json (with H*(p) over those records).
    public func writeOutputs(settings: SweepSettings, shard: SweepShard?, configurations: Int, backends: [String],
                             records: [Int: [[String]]]) throws {
        let table = CSVTable(header: settings.columns, rows: records.keys.sorted().flatMap { records[$0]! })
        try table.write(path: csvPath)
        let manifest = SweepManifest(settings: settings, shard: shard, configurations: configurations, complete: records.count,
                                     backends: Array(Set(backends)).sorted(),
                                     interpolationThresholds: InterpolationThreshold.all(grid: settings.grid, table: table))
        try JSONFile.write(manifest, to: manifestPath)
    }
}
