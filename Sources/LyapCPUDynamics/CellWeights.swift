import COpenBLAS
import LyapCore
import LyapCPU
import LyapDynamics

/// What the state dynamics of one model needs, in the working precision T: the recurrent matrix
/// U = `Wh` [4H][H], the bias b [4H] (the whole gate input of a zero-input step), the input table
/// emb·Wxᵀ + b [V][4H] (row `id` is the whole gate input of a step driven by token `id`), and the
/// read-out w_d, b_d. The table is formed once per model in Double and rounded to T, so a driven step
/// costs one row gather instead of a (4H×E) product.
///
/// With `padTo: 8` the unit count is padded to `width` = H rounded up to a multiple of 8 so the Float
/// kernel never takes a partial SIMD group: each gate block is `width` wide and U is [4·width][width].
/// The padded rows and columns of U, b and the table are zero, so a padded unit has i = f = o = 1/2,
/// g = 0, and its c, h and tangent components stay exactly 0 from a zero start; the padded coordinates
/// form an invariant subspace the real dynamics never sees (and vectors started in the real subspace
/// never leave it).
struct CellWeights<T: CPUScalar>: @unchecked Sendable {
    let shape: ModelShape
    /// Units per gate block in the buffers below (H, or H padded).
    let width: Int
    let recurrent: [T]
    /// Uᵀ restricted to the real columns: [H][4·width], row m holds U[·][m] (for the AVX-512 product kernel).
    let recurrentTransposed: [T]
    let bias: [T]
    let inputTable: [T]
    let readout: [T]
    let readoutBias: T

    var hidden: Int { shape.hidden }

    /// `withInputTable: false` leaves the table empty (zero-input analyses never read it).
    init(_ p: ParameterStore<Double>, withInputTable: Bool = true, padTo multiple: Int = 1) {
        let l = p.layout, s = l.shape, H = s.hidden, G = s.gateRows
        let w = (H + multiple - 1) / multiple * multiple, Gw = 4 * w
        shape = s
        width = w
        /// Row r of a [4H] gate vector goes to row `pad(r)` of a [4w] one.
        func pad(_ r: Int) -> Int { (r / H) * w + r % H }
        var u = [T](repeating: 0, count: Gw * w), b = [T](repeating: 0, count: Gw)
        let gateBias = p.gateBias  // bias_ih + bias_hh with two biases
        for r in 0..<G {
            b[pad(r)] = T(gateBias[r])
            for m in 0..<H { u[pad(r) * w + m] = T(p.values[l.wh.offset + r * H + m]) }
        }
        recurrent = u
        var ut = [T](repeating: 0, count: H * Gw)
        for n in 0..<Gw { for m in 0..<H { ut[m * Gw + n] = u[n * w + m] } }
        recurrentTransposed = ut
        bias = b
        readout = p[l.wd].map { T($0) }
        readoutBias = T(p.values[l.bd.offset])
        guard withInputTable else { inputTable = []; return }
        var table = [Double](repeating: 0, count: s.vocab * G)
        for v in 0..<s.vocab { table.replaceSubrange(v * G..<(v + 1) * G, with: gateBias) }
        p.values.withUnsafeBufferPointer { pv in
            table.withUnsafeMutableBufferPointer { t in
                Double.gemm(transA: false, transB: true, m: s.vocab, n: G, k: s.embed,
                            alpha: 1, a: pv.baseAddress! + l.embedding.offset, lda: s.embed,
                            b: pv.baseAddress! + l.wx.offset, ldb: s.embed, beta: 1, c: t.baseAddress!, ldc: G)
            }
        }
        if w == H {
            inputTable = T.self == Double.self ? table as! [T] : table.map { T($0) }
        } else {
            var padded = [T](repeating: 0, count: s.vocab * Gw)
            for v in 0..<s.vocab { for r in 0..<G { padded[v * Gw + pad(r)] = T(table[v * G + r]) } }
            inputTable = padded
        }
    }
}

/// OpenBLAS must not start its own threads under ours (the analysis splits reviews over threads).
enum BLASSetup {
    static let singleThreaded: Void = { openblas_set_num_threads(1) }()
}
