/// Initialisation presets (methods.md 2.4). The preset changes the initial dynamical phase, so it is
/// part of every experiment's identity and recorded in config.json.
public enum InitPreset: String, Sendable, Codable, CaseIterable {
    case keras
    case torch
    /// The public PyTorch reproduction's `SentimentLSTM._init_weights`: embedding U(-0.1, 0.1) with the
    /// pad row 0 set to zero, weight_ih Xavier-uniform over the whole [4H][E] matrix, weight_hh orthogonal
    /// over the whole [4H][H] matrix (orthonormal columns), both LSTM biases zero, fc.weight
    /// Xavier-uniform, fc.bias zero.
    case reproduction

    /// Fills a fresh parameter vector. Draws come from one stream in the fixed order
    /// embedding, Wx, Wh, bias, wd, bd; `scale` multiplies every tensor (small-init studies).
    /// With two biases, keras puts the forget block's 1 in bias_ih (bias_hh zero); torch draws bias_ih,
    /// then bias_hh, each U(-k, k), as nn.LSTM does.
    public func initialize(_ layout: ParameterLayout, seed: UInt64, scale: Double = 1) -> ParameterStore<Double> {
        var rng = LabRNG(seed: seed, stream: "init")
        var p = ParameterStore<Double>.zeros(layout)
        let s = layout.shape
        func fill(_ slot: TensorSlot, _ draw: (inout LabRNG) -> Double) {
            for i in slot.range { p.values[i] = draw(&rng) }
        }
        switch self {
        case .keras:
            fill(layout.embedding) { $0.uniform(-0.05, 0.05) }
            let gx = (6.0 / Double(s.embed + s.gateRows)).squareRoot()
            fill(layout.wx) { $0.uniform(-gx, gx) }
            let q = Orthogonal.columns(rows: s.gateRows, cols: s.hidden, rng: &rng)
            for i in 0..<q.count { p.values[layout.wh.offset + i] = q[i] }
            for j in 0..<s.hidden { p.values[layout.bias.offset + s.hidden + j] = 1 }  // forget block
            let gd = (6.0 / Double(s.hidden + 1)).squareRoot()
            fill(layout.wd) { $0.uniform(-gd, gd) }
        case .reproduction:
            fill(layout.embedding) { $0.uniform(-0.1, 0.1) }
            for i in layout.embeddingRow(0) { p.values[i] = 0 }
            let gx = (6.0 / Double(s.embed + s.gateRows)).squareRoot()
            fill(layout.wx) { $0.uniform(-gx, gx) }
            let q = Orthogonal.columns(rows: s.gateRows, cols: s.hidden, rng: &rng)
            for i in 0..<q.count { p.values[layout.wh.offset + i] = q[i] }
            let gd = (6.0 / Double(s.hidden + 1)).squareRoot()
            fill(layout.wd) { $0.uniform(-gd, gd) }
        case .torch:
            fill(layout.embedding) { $0.normal() }
            let k = 1 / Double(s.hidden).squareRoot()
            fill(layout.wx) { $0.uniform(-k, k) }
            fill(layout.wh) { $0.uniform(-k, k) }
            if let hh = layout.biasHH {
                fill(layout.bias) { $0.uniform(-k, k) }
                fill(hh) { $0.uniform(-k, k) }
            } else {
                fill(layout.bias) { $0.uniform(-k, k) + $0.uniform(-k, k) }  // bias_ih + bias_hh
            }
            fill(layout.wd) { $0.uniform(-k, k) }
            fill(layout.bd) { $0.uniform(-k, k) }
        }
        if scale != 1 { for i in p.values.indices { p.values[i] *= scale } }
        return p
    }
}

/// Orthogonal initialisation: a Gaussian matrix made orthonormal by modified Gram-Schmidt with
/// reorthogonalisation, columns signed like Q*sign(diag R) (the Keras/Saxe recipe).
enum Orthogonal {
    /// Row-major rows x cols (rows >= cols) with orthonormal columns. The Gaussian draws fill the
    /// matrix in row-major order; the work is done on contiguous columns.
    static func columns(rows: Int, cols: Int, rng: inout LabRNG) -> [Double] {
        precondition(rows >= cols)
        var a = [Double](repeating: 0, count: rows * cols)
        for i in a.indices { a[i] = rng.normal() }
        var q = [Double](repeating: 0, count: rows * cols)  // column-major: column j at j*rows
        for r in 0..<rows { for j in 0..<cols { q[j * rows + r] = a[r * cols + j] } }
        q.withUnsafeMutableBufferPointer { qb in
            let q = qb.baseAddress!
            for j in 0..<cols {
                let cj = q + j * rows
                for _ in 0..<2 {  // "twice is enough"
                    for k in 0..<j {
                        let ck = q + k * rows
                        var dot = 0.0
                        for r in 0..<rows { dot += ck[r] * cj[r] }
                        for r in 0..<rows { cj[r] -= dot * ck[r] }
                    }
                }
                var norm = 0.0
                for r in 0..<rows { norm += cj[r] * cj[r] }
                norm = norm.squareRoot()
                for r in 0..<rows { cj[r] /= norm }
            }
        }
        for r in 0..<rows { for j in 0..<cols { a[r * cols + j] = q[j * rows + r] } }
        return a
    }
}
