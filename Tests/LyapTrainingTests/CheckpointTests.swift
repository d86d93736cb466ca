import Foundation
import Testing
import LyapCore
import LyapIO
@testable import LyapTraining

struct CheckpointTests {
    let shape = ModelShape(vocab: 13, embed: 3, hidden: 5)
    var layout: ParameterLayout { ParameterLayout(shape) }

    func randomParams(seed: UInt64) -> ParameterStore<Double> {
        InitPreset.torch.initialize(layout, seed: seed)
    }

    func tempPath(_ name: String) -> String {
        NSTemporaryDirectory() + "lyap-ckpt-\(UUID().uuidString)-" + name
    }

    @Test func weightsRoundTripWithPyTorchNamesAndSplitBias() throws {
        let p = randomParams(seed: 1)
        let f = ModelWeights.file(p, precision: .float64)
        #expect(Set(f.tensors.keys) == ["embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
                                        "lstm.bias_hh_l0", "fc.weight", "fc.bias"])
        #expect(f.tensors["lstm.weight_ih_l0"]?.shape == [20, 3])
        #expect(f.tensors["fc.weight"]?.shape == [1, 5])
        #expect(try f.tensors["lstm.bias_hh_l0"]!.asDoubles().allSatisfy { $0 == 0 })
        #expect(try f.tensors["lstm.bias_ih_l0"]!.asDoubles() == Array(p[layout.bias]))
        let path = tempPath("w.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try f.write(path: path)
        #expect(try ModelWeights.read(path: path) == p)
    }

    /// A PyTorch export has two non-zero biases; import sums them.
    @Test func importSumsTheTwoBiases() throws {
        let p = randomParams(seed: 2)
        var f = ModelWeights.file(p, precision: .float64)
        let ih = Array(p[layout.bias]).map { $0 * 0.25 }, hh = Array(p[layout.bias]).map { $0 * 0.75 }
        f.tensors["lstm.bias_ih_l0"] = SafeTensor(doubles: ih, shape: [20])
        f.tensors["lstm.bias_hh_l0"] = SafeTensor(doubles: hh, shape: [20])
        let back = try ModelWeights.parameters(from: f, path: "x", layout: layout)
        for i in 0..<20 { #expect(abs(back.values[layout.bias.offset + i] - p.values[layout.bias.offset + i]) < 1e-15) }
    }

    @Test func float32FilesAreExactForFloatRuns() throws {
        let p = randomParams(seed: 3).converted(to: Float.self)
        let f = ModelWeights.file(p, precision: .float32)
        #expect(f.tensors["embedding.weight"]?.dtype == .f32)
        let back = try ModelWeights.parameters(from: f, path: "x", layout: layout).converted(to: Float.self)
        #expect(back == p)
    }

    @Test func shapeIsReadFromTheFile() throws {
        let f = ModelWeights.file(randomParams(seed: 4), precision: .float32)
        #expect(try ModelWeights.shape(of: f, path: "x") == shape)
    }

    @Test func wrongNamesShapesAndDtypesAreClearErrors() throws {
        let good = ModelWeights.file(randomParams(seed: 5), precision: .float32)
        var missing = good
        missing.tensors["fc.weight"] = nil
        var wrongShape = good
        wrongShape.tensors["lstm.weight_ih_l0"] = SafeTensor(floats: [Float](repeating: 0, count: 21), shape: [7, 3])
        var wrongDtype = good
        wrongDtype.tensors["fc.bias"] = SafeTensor(int64s: [1], shape: [1])
        var nan = good
        nan.tensors["fc.bias"] = SafeTensor(floats: [.nan], shape: [1])
        for (bad, phrase) in [(missing, "fc.weight"), (wrongShape, "lstm.weight_ih_l0"), (wrongDtype, "fc.bias"), (nan, "NaN")] {
            let path = tempPath("bad.safetensors")
            defer { try? FileManager.default.removeItem(atPath: path) }
            try bad.write(path: path)
            #expect { try ModelWeights.read(path: path, expected: shape) } throws: { e in
                "\(e)".contains(path) && "\(e)".contains(phrase)
            }
        }
        let path = tempPath("other.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try good.write(path: path)
        #expect { try ModelWeights.read(path: path, expected: ModelShape(vocab: 13, embed: 3, hidden: 6)) } throws: { e in
            "\(e)".contains("--hidden")
        }
    }

    @Test func trainingStateRoundTrips() throws {
        let p = randomParams(seed: 6)
        var s = TrainingState(params: p)
        s.m = p.values.map { $0 * 0.1 }
        s.v = p.values.map { $0 * $0 }
        s.step = 77
        var rng = LabRNG(seed: 9)
        _ = rng.next()
        let path = tempPath("s.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TrainingStateFile.file(s, dataOrder: rng, epoch: 4, precision: .float64).write(path: path)
        let back = try TrainingStateFile.read(path: path, params: p)
        #expect(back.state == s)
        #expect(back.dataOrder == rng)
        #expect(back.epoch == 4)
    }
}
