import Testing
import LyapCore
import LyapVulkan

/// A profiled training step records every kernel with the work it must do, so `--profile` can put each
/// kernel's time next to its floors. M = 2 models and L = 9 catch a work model that forgets the model
/// count or the first step's missing recurrent product.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct ProfileWorkTests {
    @Test func everyTrainingKernelCarriesItsWork() throws {
        let shape = ModelShape(vocab: 37, embed: 5, hidden: 7)
        let M = 2, B = 3, L = 9, G = 4 * shape.hidden, H = shape.hidden, E = shape.embed
        let e = try VulkanLSTMEnsemble(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler, shape: shape,
                                       models: M, batch: B, seqLen: L, stepsPerSubmit: 2, profile: true)
        var rng = LabRNG(seed: 3, stream: "profile-work")
        try e.load((0..<M).map { _ in
            var p = ParameterStore<Float>.zeros(ParameterLayout(shape))
            for i in p.values.indices { p.values[i] = Float(rng.uniform(-0.3, 0.3)) }
            return TrainingState(params: p)
        })
        let steps = (0..<2).map { _ in
            (0..<M).map { _ in
                Batch(tokens: (0..<(B * L)).map { _ in Int32(rng.below(shape.vocab)) }, labels: (0..<B).map { _ in UInt8(rng.below(2)) }, seqLen: L)
            }
        }
        _ = try e.trainSteps(steps, adam: [AdamConfig(), AdamConfig()])
        let rows = e.kernelProfile.rows
        let kernels = ["input_projection", "lstm_forward", "head_loss", "lstm_backward", "grad_recurrent_part", "grad_input_part",
                       "grad_bias_part", "grad_sum_parts", "grad_head", "input_delta", "grad_embedding", "adam"]
        #expect(Set(rows.map { String($0.pipeline.prefix { $0 != "." }) }) == Set(kernels))
        for r in rows {
            #expect(r.work.bytes > 0, "\(r.pipeline) moves no bytes")
            // With one chunk per reduction (short rows here) pass 2 only copies: no arithmetic.
            #expect(r.work.flops > 0 || r.pipeline.hasPrefix("grad_sum_parts."), "\(r.pipeline) has no arithmetic")
        }
        func perCall(_ kernel: String) throws -> KernelWork {
            let r = try #require(rows.first { $0.pipeline.hasPrefix(kernel + ".") })
            return KernelWork(flops: r.work.flops / Double(r.calls), bytes: r.work.bytes / Double(r.calls))
        }
        let rowsAll = M * L * B, recurrentRows = M * (L - 1) * B
        // The pure products: exactly 2 flops per multiply-add.
        #expect(try perCall("input_projection").flops == Double(2 * rowsAll * G * E))
        #expect(try perCall("grad_input_part").flops == Double(2 * rowsAll * G * E))
        #expect(try perCall("input_delta").flops == Double(2 * rowsAll * G * E))
        #expect(try perCall("grad_recurrent_part").flops == Double(2 * recurrentRows * G * H))
        // The recurrences add their activations to the same product.
        #expect(try perCall("lstm_forward").flops > Double(2 * recurrentRows * G * H))
        #expect(try perCall("lstm_backward").flops > Double(2 * recurrentRows * G * H))
        // At least the arrays each kernel writes.
        #expect(try perCall("input_projection").bytes >= Double(4 * rowsAll * G))
        #expect(try perCall("lstm_forward").bytes >= Double(4 * rowsAll * (G + 3 * H)))
        #expect(try perCall("adam").bytes >= Double(4 * 3 * M * ParameterLayout(shape).count))
        // What `stepWork` predicts without a device is what the step recorded (2 steps of full batches).
        var predicted: [String: KernelWork] = [:]
        for d in VulkanLSTMEnsemble.stepWork(shape: shape, models: M, batch: B, seqLen: L) {
            predicted[d.kernel, default: .none] = predicted[d.kernel, default: .none] + d.work + d.work
        }
        for r in rows {
            #expect(predicted[String(r.pipeline.prefix { $0 != "." })] == r.work, "\(r.pipeline): recorded \(r.work)")
        }
        print("LyapVulkanParityTests: profile of 2 training steps on \(GPUTestEnvironment.context!.info.name):\n\(e.kernelProfile.table)")
    }
}
