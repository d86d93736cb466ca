import Foundation
import LyapCore
import LyapCPU
import LyapVulkan
import LyapVulkanLSTM

/// The kernel lab's correctness gate: a few Adam steps on one batch, on the device and on the CPU float64
/// backend from the same (float-rounded) weights, compared with the Vulkan parity tests' tolerances
/// (ParityTests): |a - b| <= atol + rtol |reference|.
struct LabCheck {
    static let steps = 2
    static let loss = (atol: 1e-5, rtol: 1e-4), weights = (atol: 1e-4, rtol: 1e-4)
    static let summary = "\(steps) Adam steps on one batch next to the CPU float64 backend; each step's mean loss within "
        + "1e-5 + 1e-4·|ref|, every weight after them within 1e-4 + 1e-4·|ref| (the Vulkan parity tests' tolerances)"

    let meanLoss: [Double]
    let weights: [Double]
    let layout: ParameterLayout

    /// The CPU float64 reference for one problem.
    init(_ p: BenchProblem, threads: Int) throws {
        let cpu = CPUBackend<Double>(shape: p.shape, threads: threads)
        try cpu.load(TrainingState(params: p.params.converted(to: Double.self)))
        meanLoss = try (0..<Self.steps).map { _ in
            let t = try cpu.trainStep(p.batch, adam: AdamConfig())
            return t.lossSum / Double(t.count)
        }
        weights = try cpu.state().params.values
        layout = ParameterLayout(p.shape)
    }

    /// The largest |a - b| of a comparison, and the element furthest past its tolerance.
    struct Worst {
        var difference = 0.0, excess = 0.0, at = ""
        var passed: Bool { excess <= 1 }

        mutating func add(_ a: Double, _ ref: Double, _ tol: (atol: Double, rtol: Double), at name: @autoclosure () -> String) {
            let d = abs(a - ref), e = d / (tol.atol + tol.rtol * abs(ref))
            if !(d <= difference) { difference = d }
            if !(e <= excess) { excess = e; at = name() }
        }
    }

    /// Runs the steps on `e` (loaded with the problem's weights; every model gets the same batch) and
    /// returns whether it passed and one line for the table.
    func run(_ e: VulkanLSTMEnsemble, _ p: BenchProblem) throws -> (passed: Bool, text: String) {
        let models = e.models
        let batches = [[Batch]](repeating: [Batch](repeating: p.batch, count: models), count: Self.steps)
        let totals = try e.trainSteps(batches, adam: [AdamConfig](repeating: AdamConfig(), count: models))
        let states = try e.states()
        var loss = Worst(), weight = Worst()
        for k in 0..<models {
            for s in 0..<Self.steps {
                loss.add(totals[s][k].lossSum / Double(totals[s][k].count), meanLoss[s], Self.loss, at: "model \(k) step \(s + 1)")
            }
            for slot in layout.slots {
                for i in slot.range {
                    weight.add(Double(states[k].params.values[i]), weights[i], Self.weights, at: "model \(k) \(slot.name)[\(i - slot.offset)]")
                }
            }
        }
        let sizes = "loss \(sci(loss.difference)), weights \(sci(weight.difference))"
        guard loss.passed && weight.passed else {
            let (what, w) = loss.passed ? ("weights", weight) : ("loss", loss)
            return (false, "FAILED: \(sizes); \(what) at \(w.at) \(String(format: "%.1f", w.excess))x past the tolerance")
        }
        return (true, "ok: \(sizes)")
    }
}

/// "1.2e-07"
func sci(_ x: Double) -> String { String(format: "%.1e", x) }
