import Foundation
import LyapIO
import Testing
import LyapTestSupport

/// lyap against trajectories the frameworks computed themselves (Tests/Fixtures/frameworks, written by
/// tools/make-framework-fixtures.py; no Python at test time): from the same initial weights over the same
/// data in file order, each convention's flags give the framework's weights after every epoch, per tensor
/// within 1e-10 (float64 fixtures, lyap float64) or 1e-5 (float32 fixtures, lyap float32 on the CPU and on
/// Vulkan) of max|w|, and its per-step training losses and per-epoch test losses.
/// The conventions' flags are in each fixture's meta.json (lyap_flags).
@Suite(.serialized)
struct FrameworkFixtureTests {
    static let conventions = ["torch-one-bias", "torch-two-bias", "keras3", "tf-keras"]

    struct Tolerance {
        let weights: Double, loss: Double
        static let float64 = Tolerance(weights: 1e-10, loss: 1e-8)  // losses are logged with 9 digits
        // The issue allows 2e-3; lyap achieves <= 4e-7 on the CPU and lavapipe, while the conventions differ by >= 1e-2.
        static let float32 = Tolerance(weights: 1e-5, loss: 1e-5)
    }

    /// Trains lyap on a fixture; the largest relative weight error of each tensor over all epochs, and the
    /// largest relative loss error. Nil (with the error recorded) when lyap fails.
    func train(_ f: FrameworkFixture, precision: String, backend: String, flags: [String]? = nil) throws -> (weights: [String: Double], loss: Double)? {
        let dir = NSTemporaryDirectory() + "lyap-fixture-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(f.trainArguments(out: dir, precision: precision, backend: backend, flags: flags))
        guard r.status == 0 else {
            Issue.record("lyap train failed on \(f.dir): \(r.stderr)")
            return nil
        }
        var worst: [String: Double] = [:]
        for epoch in 1...f.meta.epochs {
            let e = try f.relativeErrors(checkpoint: dir + String(format: "/checkpoints/epoch-%04d.safetensors", epoch), epoch: epoch)
            worst.merge(e) { max($0, $1) }
        }
        return (worst, try f.lossError(run: dir))
    }

    func check(_ convention: String, fixture dtype: String, precision: String, backend: String, _ tol: Tolerance) throws {
        let f = try FrameworkFixture(convention, dtype)
        guard let result = try train(f, precision: precision, backend: backend) else { return }
        let (weights, loss) = result
        #expect(weights.count == 7, "\(convention) \(dtype): compared \(weights.keys.sorted())")
        for (name, e) in weights.sorted(by: { $0.key < $1.key }) {
            #expect(e <= tol.weights, "\(convention) \(dtype) on \(backend): \(name) differs by \(e) of its largest value")
        }
        #expect(loss <= tol.loss, "\(convention) \(dtype) on \(backend): losses differ by \(loss) (relative)")
    }

    @Test(arguments: conventions)
    func float64OnTheCPUEqualsTheFramework(_ convention: String) throws {
        try check(convention, fixture: "float64", precision: "float64", backend: "cpu", .float64)
    }

    @Test(arguments: conventions)
    func float32OnTheCPUMatchesTheFramework(_ convention: String) throws {
        try check(convention, fixture: "float32", precision: "float32", backend: "cpu", .float32)
    }

    @Test(.vulkanDevice, arguments: conventions)
    func float32OnVulkanMatchesTheFramework(_ convention: String) throws {
        try check(convention, fixture: "float32", precision: "float32", backend: "vulkan", .float32)
    }

    /// The public reproduction's model (padding_idx=0, two biases, sigmoid + BCELoss, post-padding) on the
    /// CPU in both precisions and on Vulkan (head_loss.comp's SIGMOID_BCE build, the pad row left out of
    /// the embedding gradient).
    @Test(arguments: [("float64", "cpu"), ("float32", "cpu"), ("float32", "vulkan")])
    func theReproductionEqualsPyTorch(_ dtype: String, _ backend: String) throws {
        try check("reproduction", fixture: dtype, precision: dtype, backend: backend, dtype == "float64" ? .float64 : .float32)
    }

    /// The fixtures can fail: lyap's default convention (one bias, PyTorch's Adam) is far outside the
    /// tolerance against every other framework's trajectory, in both precisions.
    @Test(arguments: ["torch-two-bias", "keras3", "tf-keras", "reproduction"])
    func theDefaultConventionDoesNotMatchTheOthers(_ convention: String) throws {
        for (dtype, tol) in [("float64", Tolerance.float64), ("float32", Tolerance.float32)] {
            let f = try FrameworkFixture(convention, dtype)
            guard let result = try train(f, precision: dtype, backend: "cpu", flags: []) else { return }
            let worst = result.weights.values.max() ?? 0
            #expect(worst > 5 * tol.weights, "\(convention) \(dtype): lyap's default is within \(worst) of it")
        }
    }

    /// A PyTorch state_dict (two trained biases, summed on import) and a Keras model's weights load into
    /// `lyap eval` and give the framework's own test loss; lyap's checkpoints carry exactly the tensor
    /// names, shapes and dtype of PyTorch's state_dict, so load_state_dict(strict=True) takes them.
    @Test(arguments: ["torch-two-bias", "keras3"])
    func frameworkWeightsEvaluateToTheFrameworksTestLoss(_ convention: String) throws {
        let f = try FrameworkFixture(convention, "float64")
        let epoch = f.meta.epochs
        let e = try CLI.run(["eval", "--checkpoint", f.weights(epoch: epoch), "--data", f.data,
                             "--seq-len", "\(f.meta.model.seq_len)", "--precision", "float64", "--backend", "cpu"])
        #expect(e.status == 0, "\(e.stderr)")
        let line = try #require(e.stdout.split(separator: "\n").first { $0.hasPrefix("test:") })
        let loss = try #require(Double(line.split(separator: " ")[2]))
        let expected = f.meta.test_losses[epoch - 1]
        #expect(abs(loss - expected) <= 1e-6, "lyap eval \(loss) vs \(f.meta.framework) \(expected)")

        let dir = NSTemporaryDirectory() + "lyap-fixture-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let torch = try FrameworkFixture("torch-two-bias", "float64")
        #expect(try CLI.run(torch.trainArguments(out: dir, precision: "float64", backend: "cpu", flags: [])).status == 0)
        let ours = try SafeTensorsFile.read(path: dir + "/checkpoints/epoch-0001.safetensors")
        let theirs = try SafeTensorsFile.read(path: torch.weights(epoch: 1))
        #expect(ours.tensors.mapValues { "\($0.dtype) \($0.shape)" } == theirs.tensors.mapValues { "\($0.dtype) \($0.shape)" })
    }
}
