import LyapCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One review's LSTM state map s = (h, c) ↦ F(s) in Double, written plainly with the explicit 2H×2H
/// Jacobian of methods.md §4.1 (block form). It is the single-trajectory reference the batched engine is
/// checked against, and it serves any k up to 2H through `Benettin.spectrum`.
public struct LSTMStateMap: TangentMap, Sendable {
    public let hidden: Int
    /// U = Wh, [4H][H].
    public let recurrent: [Double]
    /// Gate input W x_t + b of the driven steps, one 4H row per step; after them every step gets b.
    public let drive: [[Double]]
    public let bias: [Double]
    public var h: [Double]
    public var c: [Double]
    /// Steps taken so far.
    public var time = 0

    /// `tokens` drive the first steps (their embeddings through Wx), then the input is the zero vector.
    public init(_ p: ParameterStore<Double>, tokens: [Int32] = [], h0: [Double]? = nil, c0: [Double]? = nil) {
        let l = p.layout, s = l.shape, E = s.embed, G = s.gateRows
        hidden = s.hidden
        recurrent = Array(p[l.wh])
        let b = p.gateBias
        bias = b
        let emb = Array(p[l.embedding]), wx = Array(p[l.wx])
        drive = tokens.map { id in
            (0..<G).map { r in
                var a = b[r]
                for e in 0..<E { a += wx[r * E + e] * emb[Int(id) * E + e] }
                return a
            }
        }
        h = h0 ?? [Double](repeating: 0, count: s.hidden)
        c = c0 ?? [Double](repeating: 0, count: s.hidden)
    }

    public var dimension: Int { 2 * hidden }

    /// The gate input of the next step.
    public var input: [Double] { time < drive.count ? drive[time] : bias }

    /// Activations of the next step: (i, f, g, o) and the new (h, c).
    public func gates(h: [Double], c: [Double]) -> (i: [Double], f: [Double], g: [Double], o: [Double], h: [Double], c: [Double]) {
        let H = hidden, x = input
        var i = [Double](repeating: 0, count: H), f = i, g = i, o = i, hn = i, cn = i
        for j in 0..<H {
            var a = [x[j], x[H + j], x[2 * H + j], x[3 * H + j]]
            for q in 0..<4 {
                for m in 0..<H { a[q] += recurrent[(q * H + j) * H + m] * h[m] }
            }
            i[j] = 1 / (1 + exp(-a[0]))
            f[j] = 1 / (1 + exp(-a[1]))
            g[j] = tanh(a[2])
            o[j] = 1 / (1 + exp(-a[3]))
            cn[j] = f[j] * c[j] + i[j] * g[j]
            hn[j] = o[j] * tanh(cn[j])
        }
        return (i, f, g, o, hn, cn)
    }

    /// F(s) for the next step's input, as one 2H vector [h | c].
    public func next(_ s: [Double]) -> [Double] {
        let r = gates(h: Array(s[0..<hidden]), c: Array(s[hidden...]))
        return r.h + r.c
    }

    /// ∂s_t/∂s_{t-1} at the current state for the next step's input, row-major 2H×2H (rows and columns
    /// ordered [h | c]):
    ///   A = D(g⊙i')U_i + D(c⊙f')U_f + D(i⊙g')U_g,   ∂c/∂h = A,  ∂c/∂c = D(f),
    ///   ∂h/∂h = D(τ⊙o')U_o + D(o⊙τ')A,   ∂h/∂c = D(o⊙τ'⊙f).
    public func jacobian() -> [Double] {
        let H = hidden, n = 2 * H
        let r = gates(h: h, c: c)
        var J = [Double](repeating: 0, count: n * n)
        for j in 0..<H {
            let tau = tanh(r.c[j])
            let ci = r.g[j] * r.i[j] * (1 - r.i[j]), cf = c[j] * r.f[j] * (1 - r.f[j]), cg = r.i[j] * (1 - r.g[j] * r.g[j])
            let co = tau * r.o[j] * (1 - r.o[j]), ch = r.o[j] * (1 - tau * tau)
            for m in 0..<H {
                let a = ci * recurrent[(j) * H + m] + cf * recurrent[(H + j) * H + m] + cg * recurrent[(2 * H + j) * H + m]
                J[(H + j) * n + m] = a
                J[j * n + m] = co * recurrent[(3 * H + j) * H + m] + ch * a
            }
            J[(H + j) * n + H + j] = r.f[j]
            J[j * n + H + j] = ch * r.f[j]
        }
        return J
    }

    public mutating func step(tangents: UnsafeMutablePointer<Double>, count k: Int) {
        let n = 2 * hidden
        if k > 0 {
            let J = jacobian()
            var tmp = [Double](repeating: 0, count: n)
            for v in 0..<k {
                let row = tangents + v * n
                for a in 0..<n {
                    var s = 0.0
                    for b in 0..<n { s += J[a * n + b] * row[b] }
                    tmp[a] = s
                }
                for a in 0..<n { row[a] = tmp[a] }
            }
        }
        let r = gates(h: h, c: c)
        h = r.h
        c = r.c
        time += 1
    }
}
