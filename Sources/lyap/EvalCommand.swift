import ArgumentParser
import Foundation
import LyapCore
import LyapCPU
import LyapData
import LyapIO
import LyapTraining

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Print loss and accuracy of a checkpoint on a data set.",
        discussion: """
            The model's sizes come from the checkpoint. When the checkpoint sits in a run directory, the run's
            data settings (source, L, subsets) are the defaults. Examples:
              lyap eval --checkpoint runs/demo/checkpoints/epoch-0005.safetensors
              lyap eval --checkpoint model.safetensors --data ../shared/data/aclImdb_v1-labeled.tar.gz --split both
            """)

    @Option(help: "A safetensors file with PyTorch names (a lyap checkpoint or a PyTorch export).") var checkpoint: String
    @Option(help: "embedded, an IMDb .tar.gz, an extracted aclImdb folder, or a .jsonl file (default: the run's, else embedded).")
    var data: String?
    @Option(help: "Sequence length (default: the run's, else 500).") var seqLen: Int?
    @Option(help: "Class-balanced subset of the training split.") var trainSize: Int?
    @Option(help: "Class-balanced subset of the test split.") var testSize: Int?
    @Option(help: "test, train or both (default test).") var split: String = "test"
    @Option(help: "Sequences per forward pass (default 32).") var batch: Int = 32
    @Option(help: "float32 or float64 (default float32; float64 on the CPU backend only).") var precision: RunConfig.Precision = .float32
    @OptionGroup var compute: BackendOptions
    @OptionGroup var padSharing: PadSharingOptions

    func run() throws {
        try reportingErrors {
            guard ["test", "train", "both"].contains(split) else { throw ConfigError("--split \(split): use test, train or both") }
            guard batch >= 1 else { throw ConfigError("--batch \(batch) must be at least 1") }
            guard FileManager.default.fileExists(atPath: checkpoint) else { throw ConfigError("--checkpoint \(checkpoint): no such file") }
            let file = try SafeTensorsFile.read(path: checkpoint)
            let shape = try ModelWeights.shape(of: file, path: checkpoint)
            let run = RunFiles.config(in: URL(fileURLWithPath: checkpoint).deletingLastPathComponent().deletingLastPathComponent().path)
            // A two-bias run's checkpoint is evaluated as it was trained (the biases summed in the working precision).
            let biases = run?.model == shape ? run?.layout.biases ?? .one : .one
            let params = try ModelWeights.parameters(from: file, path: checkpoint, layout: ParameterLayout(shape, biases: biases))
            var o = LyapData.DataOptions()
            o.vocabSize = shape.vocab
            o.seqLen = seqLen ?? run?.seqLen ?? 500
            guard o.seqLen >= 1 else { throw ConfigError("--seq-len \(o.seqLen) must be at least 1") }
            let backend = try ComputeBackend.resolve(compute.backend ?? (precision == .float64 ? "cpu" : "auto"),
                                                     device: compute.device, validate: compute.validate)
            try MemoryPreflight.evaluation(shape, batch: batch, seqLen: o.seqLen, threads: CPUInfo.cores, scalarBytes: precision == .float64 ? 8 : 4,
                                           backend: backend, stepsPerSubmit: try compute.stepsPerSubmit, checkpoint: checkpoint)
            let sourceName = data ?? run?.data.source ?? "embedded"
            o.trainSize = trainSize ?? (data == nil ? run?.data.trainSize : nil)
            o.testSize = testSize ?? (data == nil ? run?.data.testSize : nil)
            o.conventions = try run?.dataConventions() ?? LyapData.DataConventions()
            let loss = run?.loss ?? .logits
            let ds = try DatasetLoader.load(sourceName == "embedded" ? .embedded : .path(sourceName), options: o)
            info("\(ds.description); model \(shape) from \(checkpoint)")
            let splits: [(String, SequenceSet)] = split == "both" ? [("train", ds.train), ("test", ds.test)]
                : [(split, split == "train" ? ds.train : ds.test)]
            try backend.check(precision: precision)
            let peaks = try compute.profilePeaks(backend)
            for (name, s) in splits {
                let b = try backend.evaluation(shape: shape, biases: biases, precision: precision, loss: loss, batch: batch, seqLen: o.seqLen,
                                               threads: CPUInfo.cores, sharedPadID: padSharing.padID(padding: s.padding),
                                               stepsPerSubmit: try compute.stepsPerSubmit, profile: compute.profile)
                let t = try evaluate(b, params, s, o.seqLen)
                if compute.profile, let table = backend.profileTable(peaks: peaks) { say(table) }
                say(String(format: "%@: loss %.6f  accuracy %.4f  (%d reviews)", name, t.meanLoss, t.accuracy, t.count))
            }
            try backend.checkValidation()
        }
    }

    private func evaluate<B: LSTMBackend>(_ b: B, _ p: ParameterStore<Double>, _ s: SequenceSet, _ L: Int) throws -> LossTotals {
        try b.load(TrainingState(params: p.converted(to: B.Scalar.self)))
        return try b.evaluate(s, batchSize: batch)
    }
}
