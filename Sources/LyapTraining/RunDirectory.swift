import Foundation
import LyapCore

/// The on-disk layout of a run:
///   DIR/config.json                                    settings, data source and hash, versions
///   DIR/metrics.csv                                    one row per epoch
///   DIR/steps.csv                                      step,loss per optimizer step (--log-steps)
///   DIR/checkpoints/epoch-NNNN.safetensors             model weights (PyTorch names)
///   DIR/checkpoints/epoch-NNNN.state.safetensors       Adam moments, step, RNG state (for --resume)
///   DIR/early.csv, DIR/checkpoints/early/step-NNNNNNN.safetensors   epoch 0 and points inside the first
///                                                      epochs (--early-checkpoints)
public struct RunDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }

    public var configPath: String { path + "/config.json" }
    public var metricsPath: String { path + "/metrics.csv" }
    /// step,loss per optimizer step, with --log-steps.
    public var stepsPath: String { path + "/steps.csv" }
    public var checkpointsPath: String { path + "/checkpoints" }

    /// Test loss and analysis of epoch 0 and the points inside the first epochs (--early-checkpoints).
    public var earlyPath: String { path + "/early.csv" }
    public func earlyModelPath(step: Int) -> String { checkpointsPath + "/early/" + String(format: "step-%07d.safetensors", step) }

    public func modelPath(epoch: Int) -> String { checkpointsPath + "/" + String(format: "epoch-%04d.safetensors", epoch) }
    public func statePath(epoch: Int) -> String { checkpointsPath + "/" + String(format: "epoch-%04d.state.safetensors", epoch) }

    private var fm: FileManager { FileManager.default }

    /// True when the directory holds any file of a run.
    public var holdsRun: Bool {
        fm.fileExists(atPath: configPath) || fm.fileExists(atPath: metricsPath) || fm.fileExists(atPath: checkpointsPath)
            || fm.fileExists(atPath: stepsPath) || fm.fileExists(atPath: earlyPath)
    }

    /// Checks, without touching anything, that a new run may be written here.
    public func checkCanStartNew(force: Bool) throws(ConfigError) {
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
            throw ConfigError("--out \(path): exists and is not a directory")
        }
        if holdsRun && !force {
            throw ConfigError("--out \(path): already holds a run; use --resume to continue it or --force to replace it")
        }
    }

    /// Creates the directory; with `replacing`, first removes the previous run's files (only those).
    public func create(replacing: Bool) throws(ConfigError) {
        do {
            if replacing {
                for p in [configPath, metricsPath, checkpointsPath, stepsPath, earlyPath] where fm.fileExists(atPath: p) {
                    try fm.removeItem(atPath: p)
                }
            }
            try fm.createDirectory(atPath: checkpointsPath, withIntermediateDirectories: true)
        } catch {
            throw ConfigError("--out \(path): cannot create the run directory (\(error.localizedDescription))")
        }
    }

    /// Epochs with both checkpoint files present, ascending. A pair is complete only when both exist,
    /// since each file is written atomically and the state file first.
    public func completeCheckpoints() -> [Int] {
        guard let names = try? fm.contentsOfDirectory(atPath: checkpointsPath) else { return [] }
        var epochs: [Int] = []
        for n in names where n.hasPrefix("epoch-") && n.hasSuffix(".safetensors") && !n.hasSuffix(".state.safetensors") {
            let digits = n.dropFirst("epoch-".count).dropLast(".safetensors".count)
            if let e = Int(digits), fm.fileExists(atPath: statePath(epoch: e)) { epochs.append(e) }
        }
        return epochs.sorted()
    }

    /// Removes temporary files left by a write that was killed (atomic writes use hidden ".NAME.tmp-*").
    public func removeStaleTemporaries() {
        for dir in [path, checkpointsPath] {
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
            for n in names where n.hasPrefix(".") && n.contains(".tmp") {
                try? fm.removeItem(atPath: dir + "/" + n)
            }
        }
    }
}
