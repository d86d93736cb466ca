import LyapCore
@testable import LyapCPU
import Testing
@testable import LyapDynamics
@testable import LyapCPUDynamics
import LyapTestSupport

/// The analysis cell is the training cell: from a state the training forward pass (LSTMForward, the code
/// that trains) reaches, the analysis kernel's step (CellWeights + TangentKernel) gives the training
/// pass's next state, and its Jacobian-vector product equals central differences of the training pass.
/// The state is perturbed through the embedding row of the previous step's token (each token occurs
/// once), so both the direction δ = ds_{t-1}/dε and ds_t/dε come from the training pass: ds_t/dε = J δ.
/// Both bias layouts; a token whose row is zero gives the analysis' zero-input step.
struct TrainingCellTieTests {
    static let L = 7, zeroToken = 1

    /// Random weights (bias_hh as well with two biases), a recurrent gain, and embedding row 1 zero.
    static func model(_ biases: BiasLayout, seed: UInt64) -> ParameterStore<Double> {
        let shape = ModelShape(vocab: L + 3, embed: 3, hidden: 6)
        var rng = LabRNG(seed: seed, stream: "cell-tie")
        var p = ParameterStore<Double>.zeros(ParameterLayout(shape, biases: biases))
        for i in p.values.indices { p.values[i] = rng.uniform(-0.6, 0.6) }
        for i in p.layout.wh.range { p.values[i] = 2 * rng.normal() / Double(shape.hidden).squareRoot() }
        for e in 0..<shape.embed { p.values[p.layout.embedding.offset + zeroToken * shape.embed + e] = 0 }
        return p
    }

    /// Every step's state (h, c) of the training forward pass over one sequence.
    static func trainingStates(_ p: ParameterStore<Double>, _ tokens: [Int32]) -> [[Double]] {
        let H = p.layout.shape.hidden, n = tokens.count
        let ws = ChunkWorkspace<Double>(seqLen: n, capacity: 1, shape: p.layout.shape)
        let gateBias = p.gateBias, labels: [UInt8] = [0]
        p.values.withUnsafeBufferPointer { pp in
            tokens.withUnsafeBufferPointer { tp in
                labels.withUnsafeBufferPointer { lp in
                    gateBias.withUnsafeBufferPointer { gb in
                        LSTMForward.run(params: pp.baseAddress!, layout: p.layout, tokens: tp.baseAddress!, labels: lp.baseAddress!,
                                        first: 0, count: 1, ws: ws, gateBias: p.layout.biasHH != nil ? gb.baseAddress : nil)
                    }
                }
            }
        }
        return (0..<n).map { t in (0..<H).map { ws.h[t * H + $0] } + (0..<H).map { ws.c[t * H + $0] } }
    }

    @Test(arguments: [(BiasLayout.one, UInt64(1)), (.two, 2), (.two, 3)])
    func analysisStepAndJVPEqualTheTrainingForwardStep(_ biases: BiasLayout, seed: UInt64) {
        let p = Self.model(biases, seed: seed), E = p.layout.shape.embed, H = p.layout.shape.hidden
        // Unique tokens 2.., with the zero-row token at steps 3 and 5.
        var tokens = (0..<Self.L).map { Int32($0 + 2) }
        tokens[3] = Int32(Self.zeroToken)
        tokens[5] = Int32(Self.zeroToken)
        let base = Self.trainingStates(p, tokens)
        let w = CellWeights<Double>(p)
        var rng = LabRNG(seed: seed, stream: "cell-tie-direction")
        let eps = 1e-6
        for t in 1..<Self.L where tokens[t - 1] != Int32(Self.zeroToken) {
            let token: Int? = tokens[t] == Int32(Self.zeroToken) ? nil : Int(tokens[t])
            let h = Array(base[t - 1][0..<H]), c = Array(base[t - 1][H...])
            let u = (0..<E).map { _ in rng.normal() }
            func perturbed(_ sign: Double) -> [[Double]] {
                var q = p
                for e in 0..<E { q.values[q.layout.embedding.offset + Int(tokens[t - 1]) * E + e] += sign * eps * u[e] }
                return Self.trainingStates(q, tokens)
            }
            let plus = perturbed(1), minus = perturbed(-1)
            let delta = zip(plus[t - 1], minus[t - 1]).map { ($0 - $1) / (2 * eps) }
            let fd = zip(plus[t], minus[t]).map { ($0 - $1) / (2 * eps) }
            let (next, jv) = JVPTests.kernelStep(w, h: h, c: c, tangents: [delta], token: token)
            #expect(maxAbsDiff(next, base[t]) < 1e-13, "step \(t): analysis step differs from the training step by \(maxAbsDiff(next, base[t]))")
            let scale = fd.map(abs).max()!
            #expect(scale > 1e-3, "step \(t): the perturbation must reach s_t")
            #expect(maxAbsDiff(jv[0], fd) / scale < 1e-7, "step \(t) (\(token == nil ? "zero input" : "driven")): JVP relative error \(maxAbsDiff(jv[0], fd) / scale)")
        }
    }
}
