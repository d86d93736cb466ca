import COpenBLAS
import LyapCore
import LyapCPU

/// What the state dynamics of one model needs, in the working precision T: the recurrent matrix
/// U = `Wh` [4H][H], the bias b [4H] (the whole gate input of a zero-input step), the input table
/// emb·Wxᵀ + b [V][4H] (row `id` is the whole gate input of a step driven by token `id`), and the
/// read-out w_d, b_d. The table is formed once per model in Double and rounded to T, so a driven step
/// costs one row gather instead of a (4H×E) product.
struct CellWeights<T: CPUScalar>: @unchecked Sendable {
    let shape: ModelShape
    let recurrent: [T]
    let bias: [T]
    let inputTable: [T]
    let readout: [T]
    let readoutBias: T

    var hidden: Int { shape.hidden }

    /// `withInputTable: false` leaves the table empty (zero-input analyses never read it).
    init(_ p: ParameterStore<Double>, withInputTable: Bool = true) {
        let l = p.layout, s = l.shape, G = s.gateRows
        shape = s
        recurrent = p[l.wh].map { T($0) }
        bias = p[l.bias].map { T($0) }
        readout = p[l.wd].map { T($0) }
        readoutBias = T(p.values[l.bd.offset])
        guard withInputTable else { inputTable = []; return }
        var table = [Double](repeating: 0, count: s.vocab * G)
        for v in 0..<s.vocab { table.replaceSubrange(v * G..<(v + 1) * G, with: p[l.bias]) }
        p.values.withUnsafeBufferPointer { pv in
            table.withUnsafeMutableBufferPointer { t in
                Double.gemm(transA: false, transB: true, m: s.vocab, n: G, k: s.embed,
                            alpha: 1, a: pv.baseAddress! + l.embedding.offset, lda: s.embed,
                            b: pv.baseAddress! + l.wx.offset, ldb: s.embed, beta: 1, c: t.baseAddress!, ldc: G)
            }
        }
        inputTable = T.self == Double.self ? table as! [T] : table.map { T($0) }
    }
}

/// OpenBLAS must not start its own threads under ours (the analysis splits reviews over threads).
enum BLASSetup {
    static let singleThreaded: Void = { openblas_set_num_threads(1) }()
}
