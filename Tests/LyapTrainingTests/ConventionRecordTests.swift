import Foundation
import Testing
import LyapCore
import LyapIO
@testable import LyapTraining

/// `--lstm-biases` and `--adam-form` in config.json and in checkpoints.
struct ConventionRecordTests {
    let shape = ModelShape(vocab: 13, embed: 3, hidden: 5)

    func tempPath(_ name: String) -> String { NSTemporaryDirectory() + "lyap-conv-\(UUID().uuidString)-" + name }

    /// A config.json written before the flags (no lstmBiases, adamForm keys) reads as one bias and
    /// torch-form Adam, and a default config encodes without those keys (so it is what older lyap wrote).
    @Test func configWithoutTheNewFieldsMeansOneBiasAndTorchAdam() throws {
        let record = RunConfig(model: shape, seqLen: 12, batch: 5, epochs: 3, adam: AdamConfig(lr: 1e-3), seed: 1,
                               initPreset: .keras, initScale: 1, initFrom: nil, initFromSHA256: nil, shuffle: true,
                               checkpointEvery: 1, backend: "cpu", precision: .float32, threads: 2,
                               data: .init(source: "embedded", sha256: "x", description: "", trainSize: nil, testSize: nil,
                                           labelNoise: 0, flippedTrainLabels: 0, trainCount: 1, testCount: 1))
        let data = try JSONEncoder().encode(record)
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("lstmBiases") && !text.contains("adamForm") && !text.contains("form"))
        let back = try JSONDecoder().decode(RunConfig.self, from: data)
        #expect(back == record && back.lstmBiases == nil && back.adamForm == nil)
        #expect(back.layout == ParameterLayout(shape) && back.optimizer == AdamConfig(lr: 1e-3))
        var two = record
        two.lstmBiases = .two
        two.adamForm = .keras
        two.adam.eps = 1e-7
        let again = try JSONDecoder().decode(RunConfig.self, from: JSONEncoder().encode(two))
        #expect(again.layout.biases == .two && again.optimizer.form == .keras && again.optimizer.eps == 1e-7)
    }

    /// Two biases: both tensors under PyTorch's names with their own values, read back as themselves; a
    /// one-bias reader sums them; the Adam state holds moments for each.
    @Test(arguments: [RunConfig.Precision.float32, .float64])
    func twoBiasCheckpointsRoundTrip(_ precision: RunConfig.Precision) throws {
        let layout = ParameterLayout(shape, biases: .two)
        var p = InitPreset.torch.initialize(layout, seed: 4)
        if precision == .float32 { p = p.converted(to: Float.self).converted(to: Double.self) }
        #expect(p[layout.bias] != p[layout.biasHH!])
        let f = ModelWeights.file(p, precision: precision)
        #expect(Set(f.tensors.keys) == ["embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
                                        "lstm.bias_hh_l0", "fc.weight", "fc.bias"])
        #expect(try f.tensors["lstm.bias_hh_l0"]!.asDoubles() == Array(p[layout.biasHH!]))
        #expect(try f.tensors["lstm.bias_ih_l0"]!.asDoubles() == Array(p[layout.bias]))
        let path = tempPath("w.safetensors"), statePath = tempPath("s.safetensors")
        defer { for x in [path, statePath] { try? FileManager.default.removeItem(atPath: x) } }
        try f.write(path: path)
        #expect(try ModelWeights.read(path: path, biases: .two) == p)
        let summed = try ModelWeights.read(path: path)
        #expect(summed.layout == ParameterLayout(shape))
        for r in 0..<layout.bias.count {
            #expect(summed.values[summed.layout.bias.offset + r] == p.values[layout.bias.offset + r] + p.values[layout.biasHH!.offset + r])
        }
        // A file without bias_hh (a one-bias export stripped of it) gives a zero bias_hh.
        var stripped = f
        stripped.tensors["lstm.bias_hh_l0"] = nil
        let zeroHH = try ModelWeights.parameters(from: stripped, path: "x", layout: layout)
        #expect(zeroHH[layout.biasHH!].allSatisfy { $0 == 0 } && zeroHH[layout.bias] == p[layout.bias])

        var state = TrainingState(params: p)
        state.m = (0..<layout.count).map { Double($0) * 0.5 }
        state.v = (0..<layout.count).map { Double($0) * 0.25 }
        state.step = 7
        let sf = TrainingStateFile.file(state, dataOrder: LabRNG(seed: 1), epoch: 3, precision: precision)
        #expect(sf.tensors["adam.exp_avg.lstm.bias_hh_l0"] != nil && sf.tensors["adam.exp_avg_sq.lstm.bias_hh_l0"] != nil)
        try sf.write(path: statePath)
        let back = try TrainingStateFile.read(path: statePath, params: p)
        #expect(back.state == state && back.epoch == 3)
    }
}
