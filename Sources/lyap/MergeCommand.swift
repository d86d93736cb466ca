import ArgumentParser
import Foundation
import LyapCore
import LyapStudy

/// `lyap merge OUT SHARD_DIR...`: one sweep directory from the shard directories of `lyap sweep --shard`.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the shard directories of one lyap sweep into one sweep directory.",
        discussion: """
            Refuses shards of different sweeps (grid, data, model, optimizer or analysis), shards that hold the same
            configuration, and an incomplete set (it lists the missing configurations). The output (sweep.csv,
            sweep.json with H*(p), configs/) does not depend on the order of the shard directories. Example:
              lyap sweep --out runs/s0 --shard 0/2 --widths 1,2,4 --epochs 10
              lyap sweep --out runs/s1 --shard 1/2 --widths 1,2,4 --epochs 10
              lyap merge runs/sweep runs/s0 runs/s1
            """)

    @Argument(help: ArgumentHelp("Output sweep directory.", valueName: "out")) var out: String
    @Argument(help: ArgumentHelp("Shard directories written by lyap sweep --shard.", valueName: "shard-dir")) var shards: [String]
    @Flag(help: "Replace a sweep already in the output directory.") var force = false

    func run() throws {
        try reportingErrors {
            if shards.isEmpty { throw ConfigError("merge: give the shard directories after the output directory") }
            let target = SweepDirectory(out)
            let outPath = URL(fileURLWithPath: out).standardizedFileURL.path
            if shards.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == outPath }) {
                throw ConfigError("merge: the output \(out) is also a shard; write it to a new directory")
            }
            if target.isSweep && !force {
                throw ConfigError("\(out): already holds a sweep; use --force to replace it")
            }
            let merged = try SweepMerge.combine(try shards.map { try SweepMerge.Shard.load($0) })
            if force, FileManager.default.fileExists(atPath: target.configsPath) {
                try FileManager.default.removeItem(atPath: target.configsPath)
            }
            try target.create()
            let configs = merged.settings.grid.configurations
            for (i, rows) in merged.records { try target.writeRecord(configs[i], columns: merged.settings.columns, rows: rows) }
            try target.writeOutputs(settings: merged.settings, shard: nil, configurations: configs.count,
                                    backends: merged.backends, records: merged.records)
            let h = try target.readManifest().interpolationThresholds
                .map { "\($0.variant) p=\($0.labelNoise): H*=\($0.width.map(String.init) ?? "none")" }
            info("merged \(shards.count) shards, \(configs.count) configurations into \(out); \(h.joined(separator: "; "))")
        }
    }
}
