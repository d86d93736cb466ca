import CLyapKernels
import Dispatch
import Foundation
import LyapCore
import LyapDynamics
import LyapCPU

/// The full spectrum's error budget (issue 14), for the benchmark and the tests: the float32 algorithm (the engine's
/// many-tangent path: saturation-safe coefficients, structured tangent products, block Gram–Schmidt) and the
/// float64 one (Double coefficients, the four gate products, Gram–Schmidt twice in Double) along ONE state
/// trajectory, so their difference is the algorithm's error alone. How far a review's float32 and float64
/// trajectories drift apart (finite-time exponents of a chaotic or slowly converging review depend on it) is a
/// separate matter, measured by float64 trajectories started from slightly perturbed states.
///
/// One review at a time, renormalised every step, the engine's initial frames; the drive steps the base row alone
/// (no shared pad prefix), so a float32 trajectory here may differ from the engine's by rounding.
public enum ShadowSpectrum {
    public struct Exponents: Sendable {
        /// Along a float32 trajectory only.
        public let float32: [Double]?
        public let float64: [Double]
    }

    /// `trajectory`: the precision that steps the state (float32: the engine's Float kernels; float64: Double with
    /// libm). `perturbation`: the state at the start of the zero-input phase moves by this much relative to its
    /// norm, along a seeded random direction. `framePerturbation`: each initial tangent moves by this much relative to
    /// its norm (the next Gram–Schmidt makes the frame orthonormal again), which asks how far the finite-time exponents
    /// depend on the arbitrary initial frame at float32's rounding level. Returns one result per entry of `lanes`
    /// (indices into `reviews`).
    public static func run(
        _ p: ParameterStore<Double>, reviews: ReviewSet, lanes: [Int], config c: AnalysisConfig,
        trajectory: DynamicsPrecision, perturbation: Double = 0, framePerturbation: Double = 0
    ) -> [Exponents] {
        _ = BLASSetup.singleThreaded
        let table = reviews.drive > 0
        let wf = CellWeights<Float>(p, withInputTable: table && trajectory == .float32, padTo: BatchedEngine<Float>.padding)
        let wd = CellWeights<Double>(p, withInputTable: table && trajectory == .float64, padTo: wf.width)
        var full = c
        full.exponents = 2 * p.layout.shape.hidden
        full.renormEvery = 1
        let config = full
        let vectors = LaneVectors(reviews: reviews, hidden: p.layout.shape.hidden, config: config)
        let out = ShadowSlots(count: lanes.count)
        DispatchQueue.concurrentPerform(iterations: lanes.count) { i in
            out.store(lane(lanes[i], wf: wf, wd: wd, reviews: reviews, config: config, vectors: vectors,
                           trajectory: trajectory, perturbation: perturbation, framePerturbation: framePerturbation), at: i)
        }
        return out.values
    }

    private final class ShadowSlots: @unchecked Sendable {
        private var slots: [Exponents?]
        private let lock = NSLock()
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func store(_ e: Exponents, at i: Int) { lock.lock(); slots[i] = e; lock.unlock() }
        var values: [Exponents] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
    }

    private static func lane(
        _ lane: Int, wf: CellWeights<Float>, wd: CellWeights<Double>, reviews: ReviewSet, config c: AnalysisConfig,
        vectors v: LaneVectors, trajectory: DynamicsPrecision, perturbation: Double, framePerturbation: Double
    ) -> Exponents {
        let H = wf.hidden, W = wf.width, S = 2 * W, G = 4 * W, k = 2 * H, D = reviews.drive
        let floatTangents = trajectory == .float32
        var xf = [Float](repeating: 0, count: S), xd = [Double](repeating: 0, count: S)
        var pf = [Float](repeating: 0, count: G), pd = [Double](repeating: 0, count: G)
        var kf = [Float](repeating: 0, count: 6 * W), kd = [Double](repeating: 0, count: 6 * W)
        // Rows [state | tangents...] of the Double step.
        var rowsD = [Double](repeating: 0, count: (1 + k) * S), prodD = [Double](repeating: 0, count: (1 + k) * G)
        var rowsF = [Float](repeating: 0, count: k * S)
        var work = [Float](repeating: 0, count: Int(lyap_tangents_structured_f32_work(Int32(W), Int32(W))))
        var logsF = [Double](repeating: 0, count: k), logsD = [Double](repeating: 0, count: k)
        for t in 0..<D {
            let at = Int(reviews.tokens[lane * D + t]) * G
            if trajectory == .float32 {
                wf.inputTable.withUnsafeBufferPointer { stepCell(&xf, &pf, wf, input: $0.baseAddress! + at, coefficients: &kf) }
            } else {
                wd.inputTable.withUnsafeBufferPointer { stepCell(&xd, &pd, wd, input: $0.baseAddress! + at, coefficients: &kd) }
            }
        }
        if perturbation > 0 {
            var rng = LabRNG(seed: c.seed, stream: "lyap-shadow/perturbation/\(lane)")
            let norm = trajectory == .float32 ? xf.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                                              : xd.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            let scale = perturbation * norm / Double(k).squareRoot()
            for x in 0..<S where x % W < H {
                let d = scale * rng.normal()
                if trajectory == .float32 { xf[x] += Float(d) } else { xd[x] += d }
            }
        }
        for r in 0..<k {
            let at = (lane * k + r) * 2 * H
            for j in 0..<H {
                rowsD[(1 + r) * S + j] = v.frames[at + j]
                rowsD[(1 + r) * S + W + j] = v.frames[at + H + j]
                rowsF[r * S + j] = Float(v.frames[at + j])
                rowsF[r * S + W + j] = Float(v.frames[at + H + j])
            }
        }
        if framePerturbation > 0 {
            var rng = LabRNG(seed: c.seed, stream: "lyap-shadow/frame/\(lane)")
            let scale = framePerturbation / Double(2 * H).squareRoot()
            for r in 0..<k {
                for x in 0..<S where x % W < H {
                    rowsD[(1 + r) * S + x] += scale * rng.normal()
                    rowsF[r * S + x] = Float(rowsD[(1 + r) * S + x])
                }
            }
        }
        let schedule = c.renormSchedule
        for n in 1...schedule.total {
            // The Double Jacobian and tangents at the trajectory's state before the step (row 0 of rowsD).
            for x in 0..<S { rowsD[x] = floatTangents ? Double(xf[x]) : xd[x] }
            BatchedEngine<Double>.products(&rowsD, rows: 1 + k, into: &prodD, U: wd.recurrent, Ut: wd.recurrentTransposed,
                                           hidden: H, width: W, blas: false)
            TangentKernel.step(state: &rowsD, products: prodD, input: wd.bias, cells: 1, tangents: k, hidden: W, coefficients: &kd)
            if floatTangents {
                wf.bias.withUnsafeBufferPointer { stepCell(&xf, &pf, wf, input: $0.baseAddress!, coefficients: &kf, accurate: true) }
                TangentKernel.structuredTangents(&rowsF, count: k, hidden: H, width: W, Ut: wf.recurrentTransposed,
                                                 coefficients: kf, work: &work)
            } else {
                for x in 0..<S { xd[x] = rowsD[x] }
            }
            let accumulate = schedule.accumulates(after: n)
            rowsD.withUnsafeMutableBufferPointer { r in
                logsD.withUnsafeMutableBufferPointer { l in
                    _ = GramSchmidt.orthonormalize(r.baseAddress! + S, count: k, length: S, logNorms: accumulate ? l.baseAddress! : nil,
                                                   block: W, used: H)
                }
            }
            if floatTangents {
                rowsF.withUnsafeMutableBufferPointer { r in
                    logsF.withUnsafeMutableBufferPointer { l in
                        _ = GramSchmidt.orthonormalize(r.baseAddress!, count: k, length: S, logNorms: accumulate ? l.baseAddress! : nil,
                                                       block: W, used: H, blocked: true)
                    }
                }
            }
        }
        let steps = Double(schedule.accumulated)
        return Exponents(float32: floatTangents ? logsF.map { $0 / steps } : nil, float64: logsD.map { $0 / steps })
    }

    /// One cell update of the single row `x` (the engine's kernels: one-row products, then `TangentKernel`).
    private static func stepCell<T: CPUScalar>(
        _ x: inout [T], _ p: inout [T], _ w: CellWeights<T>, input: UnsafePointer<T>, coefficients: inout [T], accurate: Bool = false
    ) {
        BatchedEngine<T>.products(&x, rows: 1, into: &p, U: w.recurrent, Ut: w.recurrentTransposed, hidden: w.hidden, width: w.width,
                                  blas: false, wide: true)
        TangentKernel.step(state: &x, products: p, input: input, cells: 1, tangents: 0, hidden: w.width, coefficients: &coefficients,
                           accurateCoefficients: accurate)
    }
}
