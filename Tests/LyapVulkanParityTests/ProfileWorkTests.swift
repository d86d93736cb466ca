import Testing
import LyapCore
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

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
        // Every kernel's work, counted by hand from what it reads and writes for this shape (not from
        // TrainingStepWork): flops 2 per multiply-add plus the model's per-value estimate for activations (12 per
        // forward cell value, 16 backward) and Adam (12 per parameter); bytes 4 per value of each array once. One
        // split-K chunk per reduction at these sizes (so grad_sum_parts adds nothing and copies).
        let V = shape.vocab, P = V * E + G * (E + H + 1) + H + 1  // embedding, Wx, Wh, bias, fc weight, fc bias
        let R = rowsAll, rec = recurrentRows, embeddingRows = min(R, M * V) * E  // distinct embedding rows gathered
        let hand: [String: (flops: Int, floats: Int)] = [
            // tokens, gathered embedding rows, Wx and bias, the projection written
            "input_projection": (2 * R * G * E, R + embeddingRows + M * G * (E + 1) + R * G),
            // Wh; projection read, gates written; h, c and tanh(c) written
            "lstm_forward": (2 * rec * G * H + 12 * R * H, M * G * H + 2 * R * G + 3 * R * H),
            // last h, fc weight and bias, logits/labels/losses (5 per sequence)
            "head_loss": (2 * M * B * H, M * B * H + M * (H + 1) + 5 * M * B),
            // Wh; gates and h/c read; dlogits; gate deltas written
            "lstm_backward": (2 * rec * G * H + 16 * R * H, M * G * H + R * (G + 2 * H) + M * B + R * G),
            // gate deltas, h, the partial dWh
            "grad_recurrent_part": (2 * rec * G * H, R * G + R * H + M * G * H),
            // gate deltas, tokens, gathered rows, the partial dWx
            "grad_input_part": (2 * R * G * E, R * G + R + embeddingRows + M * G * E),
            "grad_bias_part": (R * G, R * G + M * G),
            // three reductions (dWh, dWx, bias): one chunk read, the sum written, each
            "grad_sum_parts": (0, 2 * M * G * H + 2 * M * G * E + 2 * M * G),
            "grad_head": (2 * M * B * (H + 1), M * B * H + M * B + M * (H + 1)),
            // gate deltas, Wx, the input deltas written
            "input_delta": (2 * R * E * G, R * G + M * G * E + R * E),
            // input deltas, tokens and positions, the embedding gradient (and its row marks)
            "grad_embedding": (R * E, R * E + 2 * R + M * V * (E + 1)),
            // parameters, gradient, two moments read and written (7 arrays), step counters
            "adam": (12 * M * P, 7 * M * P + 2 * M),
        ]
        let dispatchesPerStep = ["grad_sum_parts": 3]
        for r in rows {
            let name = String(r.pipeline.prefix { $0 != "." })
            let h = try #require(hand[name], "\(name) has no hand count")
            let calls = 2 * (dispatchesPerStep[name] ?? 1)
            #expect(r.calls == calls, "\(r.pipeline): \(r.calls) calls for 2 steps")
            #expect(r.work == KernelWork(flops: Double(2 * h.flops), bytes: Double(2 * 4 * h.floats)),
                    "\(r.pipeline): recorded \(r.work), by hand \(2 * h.flops) flops, \(2 * 4 * h.floats) bytes")
        }
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
