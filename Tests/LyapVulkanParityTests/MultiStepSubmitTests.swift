import Foundation
import Testing
import LyapCore
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// Several training steps recorded into one command buffer (each step's inputs and losses in its own
/// slot of a buffer) must give exactly what one submission per step gives.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct MultiStepSubmitTests {
    let shape = ModelShape(vocab: 41, embed: 5, hidden: 11)
    let models = 2, batch = 5, seqLen = 9

    /// Seven steps of different batches per model; the last step is smaller, like an epoch's last batch.
    func steps() -> [[Batch]] {
        var rng = LabRNG(seed: 5, stream: "multi-step")
        return (0..<7).map { s in
            let B = s == 6 ? 2 : batch
            return (0..<models).map { _ in
                Batch(tokens: (0..<(B * seqLen)).map { _ in Int32(rng.below(shape.vocab)) },
                      labels: (0..<B).map { _ in UInt8(rng.below(2)) }, seqLen: seqLen)
            }
        }
    }

    func ensemble(stepsPerSubmit: Int) throws -> VulkanLSTMEnsemble {
        let e = try VulkanLSTMEnsemble(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler, shape: shape,
                                       models: models, batch: batch, seqLen: seqLen, stepsPerSubmit: stepsPerSubmit)
        var rng = LabRNG(seed: 9, stream: "multi-step-init")
        try e.load((0..<models).map { _ in
            var p = ParameterStore<Float>.zeros(ParameterLayout(shape))
            for i in p.values.indices { p.values[i] = Float(rng.uniform(-0.5, 0.5)) }
            return TrainingState(params: p)
        })
        return e
    }

    @Test(arguments: [2, 3, 7, 16])
    func trainingStepsInOneSubmissionEqualOneSubmissionPerStep(_ perSubmit: Int) throws {
        let work = steps(), adam = [AdamConfig(lr: 1e-2), AdamConfig(lr: 3e-3)]
        let one = try ensemble(stepsPerSubmit: 1)
        let oneTotals = try work.map { try one.trainStep($0, adam: adam) }
        let many = try ensemble(stepsPerSubmit: perSubmit)
        let manyTotals = try many.trainSteps(work, adam: adam)
        #expect(manyTotals == oneTotals)
        let a = try one.states(), b = try many.states()
        for k in 0..<models {
            #expect(a[k].params.values == b[k].params.values, "model \(k): weights differ")
            #expect(a[k].m == b[k].m && a[k].v == b[k].v, "model \(k): Adam moments differ")
            #expect(b[k].step == work.count)
        }
        // The steps really trained: the last step's loss is not the first's.
        #expect(manyTotals[0][0] != manyTotals[5][0])
    }

    @Test func forwardPassesInOneSubmissionEqualOnePerBatch() throws {
        let work = steps()
        let e = try ensemble(stepsPerSubmit: 4)
        let together = try e.evaluate(steps: work)
        for (s, batches) in work.enumerated() {
            let alone = try e.evaluate(batches)
            for k in 0..<models {
                #expect(together[s][k].totals == alone[k].totals, "step \(s), model \(k)")
                #expect(together[s][k].logits == alone[k].logits, "step \(s), model \(k)")
                #expect(alone[k].logits.count == batches[k].count)
            }
        }
    }

    @Test func backendTakesItsStepsPerCallThroughTheProtocol() throws {
        let b = try VulkanBackend(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler, shape: shape,
                                  batch: batch, seqLen: seqLen, stepsPerSubmit: 5)
        #expect(b.stepsPerCall == 5)
        #expect(throws: ConfigError.self) {
            _ = try VulkanBackend(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler, shape: shape,
                                  batch: batch, seqLen: seqLen, stepsPerSubmit: 0)
        }
    }
}

/// The memory estimate a sweep sizes its ensembles with, against what an ensemble allocates.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct EnsembleMemoryTests {
    @Test(arguments: [(7, 1, 5, 9, 1), (16, 3, 4, 30, 16), (60, 2, 8, 40, 4), (33, 1, 32, 100, 16)])
    func estimateCoversTheAllocationTightly(hidden: Int, models: Int, batch: Int, seqLen: Int, steps: Int) throws {
        let shape = ModelShape(vocab: 97, embed: 5, hidden: hidden)
        let e = try VulkanLSTMEnsemble(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler, shape: shape,
                                       models: models, batch: batch, seqLen: seqLen, stepsPerSubmit: steps)
        let estimate = VulkanLSTMEnsemble.estimatedBytes(shape: shape, models: models, batch: batch, seqLen: seqLen, stepsPerSubmit: steps)
        #expect(estimate >= e.deviceBytes, "estimate \(estimate) below the \(e.deviceBytes) allocated")
        #expect(estimate <= e.deviceBytes + e.deviceBytes / 20 + 8 * 256 * steps + 4096, "estimate \(estimate) far above \(e.deviceBytes)")
        #expect(VulkanLSTMEnsemble.estimatedLargestBuffer(shape: shape, models: models, batch: batch, seqLen: seqLen, stepsPerSubmit: steps,
                                                          device: GPUTestEnvironment.context!.info) == e.largestBufferBytes)
    }

    /// A buffer holds every model (the gates: M·L·B·4H floats), so a device's memory may take more models than
    /// one buffer binds (an H200's 141 GB against a 4 GiB maxStorageBufferRange; lavapipe's 128 MiB range).
    /// One model more than `maxModels` is refused before anything is allocated, naming the limit.
    @Test func moreModelsThanOneBufferBindsAreRefusedUpFront() throws {
        let info = GPUTestEnvironment.context!.info
        let shape = ModelShape(vocab: 97, embed: 8, hidden: 64), batch = 32, seqLen = 20, steps = 4
        let most = VulkanLSTMEnsemble.maxModels(shape: shape, batch: batch, seqLen: seqLen, stepsPerSubmit: steps, device: info)
        func largest(_ m: Int) -> Int {
            VulkanLSTMEnsemble.estimatedLargestBuffer(shape: shape, models: m, batch: batch, seqLen: seqLen, stepsPerSubmit: steps, device: info)
        }
        #expect(most >= 1 && largest(most) <= info.largestStorageBuffer && largest(most + 1) > info.largestStorageBuffer)
        #expect(largest(most + 1) == 4 * (most + 1) * seqLen * batch * 4 * shape.hidden)  // the gates
        #expect {
            _ = try VulkanLSTMEnsemble(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler, shape: shape,
                                       models: most + 1, batch: batch, seqLen: seqLen, stepsPerSubmit: steps)
        } throws: { "\($0)".contains("at most \(most) such models per ensemble") && "\($0)".contains("maxStorageBufferRange") }
    }
}
