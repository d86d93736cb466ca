import Foundation
import LyapCore
import LyapCPU
import LyapData
import LyapTraining
import Testing
@testable import LyapAudit

/// Twins trained from a saved state on the float64 CPU backend: what each kind changes, and when.
struct AuditRunTests {
    /// A Keras-initialised 5-unit model saved at epoch 2 with Adam moments and a fresh data-order stream, and 20
    /// training and 8 test sequences.
    static func setup(_ perturbations: [Perturbation], epochs: Int = 2, precision: RunConfig.Precision = .float64) throws -> AuditSetup {
        let shape = ModelShape(vocab: 11, embed: 3, hidden: 5)
        var rng = LabRNG(seed: 4, stream: "audit-run-test")
        func set(_ n: Int) -> SequenceSet {
            SequenceSet(seqLen: 6, tokens: (0..<(6 * n)).map { _ in Int32(rng.below(11)) }, labels: (0..<n).map { _ in UInt8(rng.below(2)) })
        }
        let data = Dataset(train: set(20), test: set(8), vocabSize: 11, source: "hand-made", sourceSHA256: "x")
        let config = RunConfig(model: shape, seqLen: 6, batch: 5, epochs: 6, adam: AdamConfig(lr: 1e-2), seed: 3, initPreset: .keras,
                               initScale: 1, initFrom: nil, initFromSHA256: nil, shuffle: true, checkpointEvery: 1, backend: "cpu",
                               precision: precision, threads: 1,
                               data: .init(source: "hand-made", sha256: "x", description: "", trainSize: nil, testSize: nil,
                                           labelNoise: 0, flippedTrainLabels: 0, trainCount: 20, testCount: 8))
        let params = InitPreset.keras.initialize(ParameterLayout(shape), seed: 3)
        let path = NSTemporaryDirectory() + "lyap-audit-test-\(UUID().uuidString).safetensors"
        // Adam moments as after a few steps, so adam-reset has something to reset.
        let m = params.values.map { _ in 1e-3 * rng.normal() }, v = params.values.map { _ in 1e-6 * rng.uniform(0.5, 1) }
        try TrainingStateFile.file(TrainingState(params: params, m: m, v: v, step: 8), dataOrder: LabRNG(seed: 3, stream: "data-order"),
                                   epoch: 2, precision: precision).write(path: path)
        return AuditSetup(config: config, data: data, params: params, statePath: path, at: 2, epochs: epochs,
                          perturbations: perturbations, seed: 9)
    }

    static func run(_ s: AuditSetup) throws -> AuditResult {
        defer { try? FileManager.default.removeItem(atPath: s.statePath) }
        let b = CPUBackends.forRun(s.config, Double.self)
        return try s.run(b) { b.gradientTransform = $0 }
    }

    @Test func eachKindActsWhenItShould() throws {
        let kinds: [Perturbation] = [.none, .param(1e-3), .paramTensor(1e-3), .order(7), .lr(3), .adamReset, .labels(0.5),
                                     .swap(0), .batch(4), .gradNoise(1e-2), .lossScale(0.5)]
        let r = try Self.run(try Self.setup(kinds))
        #expect(r.twins.map(\.perturbation) == kinds && r.twins.map(\.name) == (1...kinds.count).map { "twin\($0)" })
        for t in r.twins {
            #expect(t.rows.map(\.epoch) == [2, 3, 4] && t.rows.map(\.epochsAfter) == [0, 1, 2], "\(t.perturbation)")
        }
        // `none` retraces the baseline bit for bit.
        let same = r.twins[0]
        #expect(same.rows.allSatisfy { $0.dTheta == 0 && $0.meanAbsProb == 0 && $0.disagreement == 0 && $0.twinLoss == $0.baseLoss })
        // The parameter kicks move theta by exactly eps of its norm at branching (globally, or per tensor).
        #expect(abs(r.twins[1].rows[0].dTheta - 1e-3) < 1e-12)
        let s = try Self.setup([])
        try FileManager.default.removeItem(atPath: s.statePath)
        for (slot, d) in zip(s.params.layout.slots, r.twins[2].rows[0].dTensor) {
            // A tensor that is zero (Keras' biases) has no norm to scale the kick by and stays put.
            let zero = s.params.values[slot.range].allSatisfy { $0 == 0 }
            #expect(zero ? d == 0 : abs(d - 1e-3) < 1e-12, "\(slot.name): \(d)")
        }
        // Every other kind leaves theta alone at branching and acts during training.
        for t in r.twins[3...] {
            #expect(t.rows[0].dTheta == 0 && t.rows[1].dTheta > 0 && t.rows[2].dTheta > 0, "\(t.perturbation)")
        }
    }

    @Test func neutralSizesRetraceTheBaseline() throws {
        // Each kind at its neutral size goes through its own path and must change nothing: lr x1, the run's batch
        // size, the saved order stream's own seed (the state was saved with a fresh stream of seed 3), and the
        // gradient hooks with EPS 0 (installed for the first epoch, removed after; a hook left in place or
        // applied to the wrong twin would show too).
        let r = try Self.run(try Self.setup([.lr(1), .batch(5), .order(3), .gradNoise(0), .lossScale(0)], epochs: 3))
        for t in r.twins { #expect(t.rows.allSatisfy { $0.dTheta == 0 && $0.twinLoss == $0.baseLoss }, "\(t.perturbation)") }
    }

    @Test func aSavedStateFromAnotherEpochIsRefused() throws {
        var s = try Self.setup([.none])
        defer { try? FileManager.default.removeItem(atPath: s.statePath) }
        s = AuditSetup(config: s.config, data: s.data, params: s.params, statePath: s.statePath, at: 5, epochs: 1,
                       perturbations: [.none], seed: 9)
        let b = CPUBackends.forRun(s.config, Double.self)
        #expect { try s.run(b) { b.gradientTransform = $0 } } throws: { "\($0)" == "\(s.statePath): records epoch 2, expected 5" }
    }
}
