import Foundation
import Testing
@testable import LyapVulkan
@testable import LyapVulkanLSTM
import LyapTestSupport

extension LyapVulkanSuite {
    @Suite(.vulkanDevice)
    struct Compute {
        /// Inputs whose products and sums are exact in Float, so GPU and CPU must agree bit for bit
        /// whether or not the compiler fuses the multiply-add.
        static func inputs(_ n: Int) -> (x: [Float], y: [Float]) {
            ((0..<n).map { Float($0 % 1024) }, (0..<n).map { Float($0 % 77) - 30 })
        }

        static func saxpyPipeline(_ ctx: VulkanContext, workgroup: UInt32 = 64) throws -> ComputePipeline {
            let compiler = ShaderCompiler(sources: TestShaders.sources, cacheDirectory: nil)
            let spirv = try compiler.compile("saxpy.comp")
            return try ComputePipeline(ctx, name: "saxpy.wg\(workgroup)", spirv: spirv, bindings: 2,
                                       pushConstantBytes: MemoryLayout<SaxpyPush>.size, specialization: [workgroup])
        }

        @Test(arguments: [(10007, false), (1_000_003, false), (10007, true)])
        func saxpyTwiceMatchesTheCPU(n: Int, staging: Bool) throws {
            #expect(MemoryLayout<SaxpyPush>.size == 8 && MemoryLayout<SaxpyPush>.offset(of: \.n) == 4)
            let ctx = try VulkanTestEnvironment.context(VulkanOptions(validation: true, forceStaging: staging))
            let pipeline = try Compute.saxpyPipeline(ctx)
            let (x, y) = Compute.inputs(n)
            // 64 sentinels past n: the partial last workgroup would overwrite them without the bounds check.
            let tail = 64, sentinel: Float = -12345
            let xb = try DeviceBuffer(ctx, count: n + tail, of: Float.self, name: "x")
            let yb = try DeviceBuffer(ctx, count: n + tail, of: Float.self, name: "y")
            #expect(xb.isMapped == !staging && yb.isMapped == !staging)
            try xb.upload(x + [Float](repeating: 1, count: tail))
            try yb.upload(y + [Float](repeating: sentinel, count: tail))

            let a: Float = 0.5
            let seq = try CommandSequence(ctx, profile: false)
            let groups = CommandSequence.groups(n, per: 64)
            #expect(groups * 64 > n)  // the last workgroup is partial: the bounds check matters
            seq.beginLabel("saxpy x2")
            try seq.dispatch(pipeline, buffers: [xb, yb], push: SaxpyPush(a: a, n: UInt32(n)), groups: (groups, 1, 1))
            seq.barrier()
            try seq.dispatch(pipeline, buffers: [xb, yb], push: SaxpyPush(a: a, n: UInt32(n)), groups: (groups, 1, 1))
            seq.endLabel()
            try seq.submitAndWait()

            let got = try yb.download(Float.self, count: n)
            let want = zip(x, y).map { xi, yi in a * xi + (a * xi + yi) }
            let firstBad = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }
            #expect(firstBad == nil, "first mismatch at \(firstBad?.offset ?? -1): \(firstBad.map { "\($0.element.0) != \($0.element.1)" } ?? "")")
            #expect(try yb.download(Float.self, count: tail, atByte: 4 * n) == [Float](repeating: sentinel, count: tail))
            // x is read-only in the shader and must be untouched.
            #expect(try xb.download(Float.self, count: n) == x)
            expectClean(ctx)
        }

        @Test func dispatchLogListsEveryDispatchWithItsLabels() throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("lyap-dispatch-\(UUID().uuidString).log").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let ctx = try VulkanTestEnvironment.context(VulkanOptions(validation: true, dispatchLog: path))
            let a = try Compute.saxpyPipeline(ctx, workgroup: 32), b = try Compute.saxpyPipeline(ctx, workgroup: 64)
            let xb = try DeviceBuffer(ctx, count: 64, of: Float.self, name: "x")
            let yb = try DeviceBuffer(ctx, count: 64, of: Float.self, name: "y")
            let push = SaxpyPush(a: 1, n: 64)
            let seq = try CommandSequence(ctx)
            try seq.dispatch(a, buffers: [xb, yb], push: push, groups: (1, 1, 1))
            seq.beginLabel("outer")
            try seq.dispatch(b, buffers: [xb, yb], push: push, groups: (1, 1, 1))
            seq.beginLabel("inner H=7")
            try seq.dispatch(a, buffers: [xb, yb], push: push, groups: (1, 1, 1))
            seq.endLabel()
            try seq.dispatch(a, buffers: [xb, yb], push: push, groups: (1, 1, 1))
            seq.endLabel()
            try seq.submitAndWait()
            try seq.reset()
            seq.beginLabel("second")
            try seq.dispatch(b, buffers: [xb, yb], push: push, groups: (1, 1, 1))
            seq.endLabel()
            try seq.submitAndWait()
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines == ["-\tsaxpy.wg32", "outer\tsaxpy.wg64", "outer/inner H=7\tsaxpy.wg32", "outer\tsaxpy.wg32",
                              "second\tsaxpy.wg64"])
            #expect(VulkanOptions.fromEnvironment(["LYAP_DISPATCH_LOG": path]).dispatchLog == path)
            #expect(VulkanOptions.fromEnvironment([:]).dispatchLog == nil)
            #expect(throws: VulkanError.self) {
                _ = try VulkanTestEnvironment.context(VulkanOptions(dispatchLog: "/nonexistent-dir/lyap.log"))
            }
            expectClean(ctx)
        }

        @Test func replayAndResetReuseTheSequence() throws {
            let ctx = try VulkanTestEnvironment.context()
            let pipeline = try Compute.saxpyPipeline(ctx, workgroup: 32)
            let n = 1000
            let xb = try DeviceBuffer(ctx, count: n, of: Float.self, name: "x")
            let yb = try DeviceBuffer(ctx, count: n, of: Float.self, name: "y")
            try xb.upload([Float](repeating: 1, count: n))
            try yb.fillZero()
            let seq = try CommandSequence(ctx)
            let push = SaxpyPush(a: 1, n: UInt32(n))
            try seq.dispatch(pipeline, buffers: [xb, yb], push: push, groups: (CommandSequence.groups(n, per: 32), 1, 1))
            try seq.submitAndWait()
            try seq.submitAndWait()  // replays the same recording
            #expect(try yb.download(Float.self, count: n) == [Float](repeating: 2, count: n))
            // Recording after a submit without reset is refused.
            #expect(throws: VulkanError.self) { try seq.dispatch(pipeline, buffers: [xb, yb], push: push, groups: (1, 1, 1)) }

            // Steady state: the same number of dispatches per recording creates no new pools.
            for _ in 0..<3 {
                try seq.reset()
                for _ in 0..<300 {  // more than one descriptor pool's 256 sets
                    try seq.dispatch(pipeline, buffers: [xb, yb], push: SaxpyPush(a: 0, n: UInt32(n)), groups: (1, 1, 1))
                    seq.barrier()
                }
                try seq.submitAndWait()
            }
            #expect(seq.descriptorPoolCount == 2)
            #expect(try yb.download(Float.self, count: n) == [Float](repeating: 2, count: n))
            expectClean(ctx)
        }

        @Test func profilingTimesEveryDispatch() throws {
            let ctx = try VulkanTestEnvironment.context()
            let pipeline = try Compute.saxpyPipeline(ctx)
            let n = 100_003
            let (x, y) = Compute.inputs(n)
            let xb = try DeviceBuffer(ctx, count: n, of: Float.self, name: "x")
            let yb = try DeviceBuffer(ctx, count: n, of: Float.self, name: "y")
            try xb.upload(x)
            try yb.upload(y)
            let seq = try CommandSequence(ctx, profile: true)
            let dispatches = 130  // crosses the 128-dispatch query pool boundary
            for i in 0..<dispatches {
                try seq.dispatch(pipeline, buffers: [xb, yb], push: SaxpyPush(a: 1, n: UInt32(n)), groups: (CommandSequence.groups(n, per: 64), 1, 1),
                                 work: KernelWork(flops: Double(i), bytes: Double(12 * n)))
                seq.barrier()
            }
            try seq.submitAndWait()
            #expect(seq.timings.count == dispatches)
            #expect(seq.timings.enumerated().allSatisfy { $1.work == KernelWork(flops: Double($0), bytes: Double(12 * n)) })
            #expect(seq.timings.allSatisfy { $0.pipeline == "saxpy.wg64" && $0.nanoseconds > 0 && $0.nanoseconds < 10e9 })
            let profile = KernelProfile(seq.timings)
            let row = try #require(profile.rows.first)
            #expect(row.calls == dispatches && row.medianMicroseconds > 0)
            #expect(profile.table.contains("saxpy.wg64"))
            print("LyapVulkanTests: profile of \(dispatches) saxpy dispatches, n=\(n), on \(ctx.info.name):\n\(profile.table)")

            // Without profiling there are no timings.
            let plain = try CommandSequence(ctx)
            try plain.dispatch(pipeline, buffers: [xb, yb], push: SaxpyPush(a: 1, n: UInt32(n)), groups: (1, 1, 1))
            try plain.submitAndWait()
            #expect(plain.timings.isEmpty)
            expectClean(ctx)
        }

        @Test func dispatchArgumentsAreChecked() throws {
            let ctx = try VulkanTestEnvironment.context()
            let pipeline = try Compute.saxpyPipeline(ctx)
            let xb = try DeviceBuffer(ctx, bytes: 64, name: "x")
            let seq = try CommandSequence(ctx)
            let push = SaxpyPush(a: 1, n: 16)
            func message(_ body: () throws -> Void) -> String {
                do { try body(); return "no error" } catch { return "\(error)" }
            }
            #expect(message { try seq.dispatch(pipeline, buffers: [xb], push: push, groups: (1, 1, 1)) }
                .contains("1 buffers given, the pipeline has 2 bindings"))
            #expect(message { try seq.dispatch(pipeline, buffers: [xb, xb], push: [UInt8](repeating: 0, count: 4), groups: (1, 1, 1)) }
                .contains("4 push-constant bytes given, the pipeline takes 8"))
            let tooMany = ctx.info.maxWorkgroupCount.x + 1
            #expect(message { try seq.dispatch(pipeline, buffers: [xb, xb], push: push, groups: (tooMany, 1, 1)) }
                .contains("the device allows at most"))
            // A shader that uses binding 1 cannot get a pipeline with one binding.
            let spirv = try ShaderCompiler(sources: TestShaders.sources, cacheDirectory: nil).compile("saxpy.comp")
            #expect(message { _ = try ComputePipeline(ctx, name: "short", spirv: spirv, bindings: 1, pushConstantBytes: 8, specialization: [64]) }
                .contains("uses set 0 binding 1"))
            #expect(message { _ = try ComputePipeline(ctx, name: "odd", spirv: spirv, bindings: 2, pushConstantBytes: 6, specialization: [64]) }
                .contains("multiple of 4"))
            #expect(message { _ = try ComputePipeline(ctx, name: "junk", spirv: [1, 2, 3, 4, 5], bindings: 2, pushConstantBytes: 8) }
                .contains("not SPIR-V"))
            // Unbalanced labels are reported at submit.
            seq.beginLabel("open")
            #expect(message { try seq.submitAndWait() }.contains("label 'open' was not closed"))
            try seq.reset()
            seq.endLabel()
            #expect(message { try seq.submitAndWait() }.contains("endLabel() without beginLabel()"))
            expectClean(ctx)
        }

        /// The message counter is live: synchronization validation reports the hazards when the
        /// barriers around a dispatch are left out (fill -> dispatch -> copy of the same buffer), and
        /// nothing when `barrier()` is there (so it covers transfer <-> compute both ways).
        @Test(arguments: [true, false])
        func synchronizationValidationSeesMissingBarriers(withBarrier: Bool) throws {
            let ctx = try VulkanTestEnvironment.context(VulkanOptions(validation: true, synchronizationValidation: true))
            let pipeline = try Compute.saxpyPipeline(ctx)
            let n = 4096
            let x = (0..<n).map { Float($0) }
            let xb = try DeviceBuffer(ctx, count: n, of: Float.self, name: "x")
            let yb = try DeviceBuffer(ctx, count: n, of: Float.self, name: "y")
            let zb = try DeviceBuffer(ctx, count: n, of: Float.self, name: "z")
            try xb.upload(x)
            try yb.upload([Float](repeating: 5, count: n))
            let seq = try CommandSequence(ctx)
            try seq.fill(yb)
            if withBarrier { seq.barrier() }
            try seq.dispatch(pipeline, buffers: [xb, yb], push: SaxpyPush(a: 1, n: UInt32(n)), groups: (n / 64, 1, 1))
            if withBarrier { seq.barrier() }
            try seq.copy(yb, zb, bytes: 4 * n)
            try seq.submitAndWait()
            if withBarrier {
                #expect(try zb.download(Float.self, count: n) == x)
                expectClean(ctx)
            } else {
                #expect(ctx.validationErrors >= 2)
                let text = ctx.validationMessages.joined(separator: "\n")
                #expect(text.contains("SYNC-HAZARD-WRITE-AFTER-WRITE") && text.contains("SYNC-HAZARD-READ-AFTER-WRITE"), "\(text)")
                #expect(text.contains("saxpy.wg64") && text.contains("[y]"), "object names reach the messages: \(text)")
            }
        }
    }
}
