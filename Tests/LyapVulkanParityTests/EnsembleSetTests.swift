import Foundation
import Testing
import LyapCore
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// Ensembles of different widths trained through one command buffer, phase by phase, must give bitwise
/// what each gives trained alone; and the recording must really be interleaved (one barrier per phase for
/// all of them, the same kernel of every width between two barriers).
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct EnsembleSetTests {
    let widths = [7, 13, 2], modelsPerWidth = [2, 1, 3]
    let batch = 5, seqLen = 9, vocab = 41, embed = 5
    func shape(_ h: Int) -> ModelShape { ModelShape(vocab: vocab, embed: embed, hidden: h) }

    /// Seven steps of different batches per model (6 models across the set); the last one smaller.
    func steps() -> [[Batch]] {
        var rng = LabRNG(seed: 21, stream: "ensemble-set")
        let M = modelsPerWidth.reduce(0, +)
        return (0..<7).map { s in
            let B = s == 6 ? 3 : batch
            return (0..<M).map { _ in
                Batch(tokens: (0..<(B * seqLen)).map { _ in Int32(rng.below(vocab)) },
                      labels: (0..<B).map { _ in UInt8(rng.below(2)) }, seqLen: seqLen)
            }
        }
    }

    func initial() -> [TrainingState<Float>] {
        var rng = LabRNG(seed: 22, stream: "ensemble-set-init")
        return zip(widths, modelsPerWidth).flatMap { h, m in
            (0..<m).map { _ in
                var p = ParameterStore<Float>.zeros(ParameterLayout(shape(h)))
                for i in p.values.indices { p.values[i] = Float(rng.uniform(-0.5, 0.5)) }
                return TrainingState(params: p)
            }
        }
    }

    func adam() -> [AdamConfig] { (0..<modelsPerWidth.reduce(0, +)).map { AdamConfig(lr: 1e-2 / Double($0 + 1)) } }

    @Test(arguments: [false, true])
    func interleavedWidthsEqualEachWidthTrainedAlone(_ frozen: Bool) throws {
        let ctx = GPUTestEnvironment.context!, work = steps(), start = initial(), adam = adam()
        let set = try VulkanEnsembleSet(context: ctx, compiler: GPUTestEnvironment.compiler, shapes: widths.map(shape),
                                        models: modelsPerWidth, batch: batch, seqLen: seqLen, stepsPerSubmit: 3)
        set.frozenEmbedding = frozen
        try set.load(start)
        let together = try set.trainSteps(work, adam: adam)
        let evaluated = try set.evaluate(steps: Array(work.prefix(4)))
        let states = try set.states()

        var first = 0
        for (h, m) in zip(widths, modelsPerWidth) {
            let r = first..<(first + m)
            let alone = try VulkanLSTMEnsemble(context: ctx, compiler: GPUTestEnvironment.compiler, shape: shape(h), models: m,
                                               batch: batch, seqLen: seqLen, stepsPerSubmit: 1)
            alone.frozenEmbedding = frozen
            try alone.load(Array(start[r]))
            let totals = try alone.trainSteps(work.map { Array($0[r]) }, adam: Array(adam[r]))
            let eval = try alone.evaluate(steps: work.prefix(4).map { Array($0[r]) })
            let s = try alone.states()
            for k in 0..<m {
                #expect(together.map { $0[first + k] } == totals.map { $0[k] }, "H=\(h) model \(k): losses differ")
                #expect(evaluated.map { $0[first + k].logits } == eval.map { $0[k].logits }, "H=\(h) model \(k): logits differ")
                #expect(states[first + k].params.values == s[k].params.values, "H=\(h) model \(k): weights differ")
                #expect(states[first + k].m == s[k].m && states[first + k].v == s[k].v, "H=\(h) model \(k): Adam moments differ")
                #expect(states[first + k].step == work.count)
                let embedding = ParameterLayout(shape(h)).embedding
                let moved = states[first + k].params[embedding] != start[first + k].params[embedding]
                #expect(moved == !frozen, "H=\(h) model \(k): the embedding table moved: \(moved)")
            }
            first += m
        }
        // The weights really changed and the steps really trained.
        #expect(states[0].params.values != start[0].params.values)
        #expect(together[0][0] != together[5][0])
    }

    @Test func eachPhaseOfEveryWidthSharesOneBarrier() throws {
        let ctx = GPUTestEnvironment.context!
        let set = try VulkanEnsembleSet(context: ctx, compiler: GPUTestEnvironment.compiler, shapes: widths.map(shape),
                                        models: modelsPerWidth, batch: batch, seqLen: seqLen, stepsPerSubmit: 2)
        try set.load(initial())
        _ = try set.trainSteps(Array(steps().prefix(2)), adam: adam())
        let oneSet = try VulkanEnsembleSet(context: ctx, compiler: GPUTestEnvironment.compiler, shapes: [shape(7)], models: [2],
                                           batch: batch, seqLen: seqLen, stepsPerSubmit: 2)
        try oneSet.load(Array(initial().prefix(2)))
        _ = try oneSet.trainSteps(steps().prefix(2).map { Array($0.prefix(2)) }, adam: Array(adam().prefix(2)))
        // Three widths take as many barriers as one: a barrier per phase, not per phase and width.
        #expect(set.sequence.barrierCount == oneSet.sequence.barrierCount && set.sequence.barrierCount > 0)
        #expect(set.sequence.dispatchCount == 3 * oneSet.sequence.dispatchCount)
        // The same kernel of every width, in member order, before the next kernel.
        let names = set.sequence.dispatchedPipelines
        #expect(names.prefix(3).map { $0.split(separator: ".").prefix(2).joined(separator: ".") }
                == ["input_projection.H7", "input_projection.H13", "input_projection.H2"], "\(names.prefix(6))")
        #expect(names[3].hasPrefix("lstm_forward.H7") && names[4].hasPrefix("lstm_forward.H13"), "\(names.prefix(6))")
    }

    @Test func badStepsPerSubmitIsAConfigError() throws {
        #expect(throws: ConfigError.self) {
            _ = try VulkanEnsembleSet(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler, shapes: [shape(3)],
                                      models: [1], batch: batch, seqLen: seqLen, stepsPerSubmit: 0)
        }
    }
}

/// Sizes are specialization constants: a second width compiles nothing new, only new pipelines.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct SpecializedWidthTests {
    @Test func aSecondWidthReusesEveryCompiledKernel() throws {
        let compiler = ShaderCompiler(sources: try ShaderLibrary.sources(), cacheDirectory: nil)
        func ensemble(_ h: Int) throws {
            _ = try VulkanLSTMEnsemble(context: GPUTestEnvironment.context!, compiler: compiler,
                                       shape: ModelShape(vocab: 11, embed: 3, hidden: h), models: 1, batch: 2, seqLen: 3)
        }
        try ensemble(5)
        let first = compiler.stats.compiled
        #expect(first == 12, "one SPIR-V per training kernel: \(compiler.stats)")
        try ensemble(9)
        try ensemble(13)
        #expect(compiler.stats.compiled == first, "another width compiled again: \(compiler.stats)")
    }
}
