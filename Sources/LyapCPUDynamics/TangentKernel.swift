import CLyapKernels
import LyapCPU
import LyapDynamics

/// One LSTM cell update fused with the Jacobian-vector products of methods.md §4.1, for one lane.
///
/// A lane is a block of rows, each 2H long and laid out [h | c]: rows 0..<cells are cell states
/// (row 0 is the base trajectory, the others are perturbed twins), rows cells..<cells+tangents are
/// tangent vectors [δh | δc] of the base. `products` holds U·h of every row (4H each, gate order
/// i, f, g, o), computed for a whole block of lanes by one BLAS product before the call; `input` is the
/// 4H gate input of the step (W x + b, or b for the zero input), added to the cell rows only.
///
/// The tangent update is, with q = U δh (methods.md §4.1),
///   δc' = f ⊙ δc + (c_{t-1} ⊙ f') ⊙ q^f + (g ⊙ i') ⊙ q^i + (i ⊙ g') ⊙ q^g
///   δh' = (τ ⊙ o') ⊙ q^o + (o ⊙ τ') ⊙ δc'
/// where the six coefficient vectors come from the base row's gates and are written to `coefficients`
/// (6H: g⊙i', c⊙f', i⊙g', f, τ⊙o', o⊙τ') when `coefficients` is non-nil; the Jacobian-norm iteration reads them.
///
/// Float widths that are a multiple of 8 (the engine pads to that) run `lyap_step_f32` in C. Double runs the
/// cell rows here with libm and the tangent rows in C (`lyap_tangents_f64`) when the width is a multiple of 4.
enum TangentKernel {
    /// `accurateCoefficients` (padded Float only): `lyap_step_accurate_f32`, whose coefficients keep their
    /// relative accuracy where gates saturate (the bottom of a full spectrum needs it; Double has it anyway).
    @inline(__always)
    static func step<T: CPUScalar>(
        state: UnsafeMutablePointer<T>, products: UnsafePointer<T>, input: UnsafePointer<T>,
        cells: Int, tangents: Int, hidden H: Int, coefficients: UnsafeMutablePointer<T>?, accurateCoefficients: Bool = false
    ) {
        if T.self == Float.self && H % 8 == 0 && accurateCoefficients {
            lyap_step_accurate_f32(rebind(state), rebind(products), rebind(input), Int32(cells), Int32(tangents), Int32(H),
                                   coefficients.map { rebind($0) })
        } else if T.self == Float.self && H % 8 == 0 {
            // The padded engine always comes here: the C kernel, AVX2+FMA where the CPU has it.
            lyap_step_f32(rebind(state), rebind(products), rebind(input), Int32(cells), Int32(tangents), Int32(H),
                          coefficients.map { rebind($0) })
        } else if T.self == Float.self {
            FloatPath.step(state: rebind(state), products: rebind(products), input: rebind(input), cells: cells,
                           tangents: tangents, hidden: H, coefficients: coefficients.map { rebind($0) })
        } else {
            ScalarPath<T>.step(state: state, products: products, input: input, cells: cells, tangents: tangents,
                               hidden: H, coefficients: coefficients)
        }
    }

    /// The tangent rows of a padded lane (width a multiple of 8) given the base row's `coefficients`, by the
    /// Jacobian's structure (`lyap_tangents_structured_f32`, `_f64` in Double): the many-tangent path. `work` is the
    /// zeroed buffer of the workspace.
    @inline(__always)
    static func structuredTangents<T: CPUScalar>(
        _ rows: UnsafeMutablePointer<T>, count: Int, hidden H: Int, width W: Int, Ut: UnsafePointer<T>,
        coefficients: UnsafePointer<T>, work: UnsafeMutablePointer<T>
    ) {
        precondition(W % 8 == 0)
        if T.self == Double.self {
            lyap_tangents_structured_f64(rebind(rows), Int32(count), Int32(H), Int32(W), rebind(Ut), rebind(coefficients), rebind(work))
        } else {
            precondition(T.self == Float.self)
            lyap_tangents_structured_f32(rebind(rows), Int32(count), Int32(H), Int32(W), rebind(Ut), rebind(coefficients), rebind(work))
        }
    }

    /// The same memory as the C kernel's element type (Float or Double, inferred from the call).
    @inline(__always)
    private static func rebind<T, U>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<U> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self)
    }

    @inline(__always)
    private static func rebind<T, U>(_ p: UnsafePointer<T>) -> UnsafePointer<U> {
        UnsafeRawPointer(p).assumingMemoryBound(to: U.self)
    }

    /// The oracle form: one unit at a time with the scalar activations (Double uses libm's exp and tanh).
    enum ScalarPath<T: CPUScalar> {
        @inline(__always)
        static func step(
            state: UnsafeMutablePointer<T>, products: UnsafePointer<T>, input: UnsafePointer<T>,
            cells: Int, tangents: Int, hidden H: Int, coefficients: UnsafeMutablePointer<T>?
        ) {
            let G = 4 * H, S = 2 * H
            for r in 0..<cells {
                let h = state + r * S, c = h + H, a = products + r * G
                let k = r == 0 ? coefficients : nil
                for j in 0..<H {
                    let i = GateMath.sigmoid(a[j] + input[j])
                    let f = GateMath.sigmoid(a[H + j] + input[H + j])
                    let g = T.hyperbolicTangent(a[2 * H + j] + input[2 * H + j])
                    let o = GateMath.sigmoid(a[3 * H + j] + input[3 * H + j])
                    let cOld = c[j]
                    let cNew = f * cOld + i * g
                    let tau = T.hyperbolicTangent(cNew)
                    c[j] = cNew
                    h[j] = o * tau
                    if let k {
                        k[j] = g * (i * (1 - i))
                        k[H + j] = cOld * (f * (1 - f))
                        k[2 * H + j] = i * (1 - g * g)
                        k[3 * H + j] = f
                        k[4 * H + j] = tau * (o * (1 - o))
                        k[5 * H + j] = o * (1 - tau * tau)
                    }
                }
            }
            guard tangents > 0, let k = coefficients else { return }
            if T.self == Double.self && H % 4 == 0 {
                lyap_tangents_f64(UnsafeMutableRawPointer(state).assumingMemoryBound(to: Double.self),
                                  UnsafeRawPointer(products).assumingMemoryBound(to: Double.self), Int32(cells),
                                  Int32(tangents), Int32(H), UnsafeRawPointer(k).assumingMemoryBound(to: Double.self))
                return
            }
            for r in cells..<(cells + tangents) {
                let dh = state + r * S, dc = dh + H, q = products + r * G
                for j in 0..<H {
                    let c = k[3 * H + j] * dc[j] + k[H + j] * q[H + j] + k[j] * q[j] + k[2 * H + j] * q[2 * H + j]
                    dc[j] = c
                    dh[j] = k[4 * H + j] * q[3 * H + j] + k[5 * H + j] * c
                }
            }
        }
    }

    /// The Float path for widths that are not a multiple of 8 (unpadded use in tests): eight units at a time
    /// with the Swift eight-lane activations (exp-based tanh).
    enum FloatPath {
        typealias V = GateMath.V

        @inline(__always)
        static func step(
            state: UnsafeMutablePointer<Float>, products: UnsafePointer<Float>, input: UnsafePointer<Float>,
            cells: Int, tangents: Int, hidden H: Int, coefficients: UnsafeMutablePointer<Float>?
        ) {
            let G = 4 * H, S = 2 * H
            for r in 0..<cells {
                let h = state + r * S, c = h + H, a = products + r * G
                let k = r == 0 ? coefficients : nil
                var j = 0
                while j < H {
                    let n = min(8, H - j)
                    let i = GateMath.sigmoid(GateMath.load(a + j, n) + GateMath.load(input + j, n))
                    let f = GateMath.sigmoid(GateMath.load(a + H + j, n) + GateMath.load(input + H + j, n))
                    let g = GateMath.tanh(GateMath.load(a + 2 * H + j, n) + GateMath.load(input + 2 * H + j, n))
                    let o = GateMath.sigmoid(GateMath.load(a + 3 * H + j, n) + GateMath.load(input + 3 * H + j, n))
                    let cOld = GateMath.load(c + j, n)
                    let cNew = f * cOld + i * g
                    let tau = GateMath.tanh(cNew)
                    GateMath.store(cNew, c + j, n)
                    GateMath.store(o * tau, h + j, n)
                    if let k {
                        GateMath.store(g * (i * (1 - i)), k + j, n)
                        GateMath.store(cOld * (f * (1 - f)), k + H + j, n)
                        GateMath.store(i * (1 - g * g), k + 2 * H + j, n)
                        GateMath.store(f, k + 3 * H + j, n)
                        GateMath.store(tau * (o * (1 - o)), k + 4 * H + j, n)
                        GateMath.store(o * (1 - tau * tau), k + 5 * H + j, n)
                    }
                    j += 8
                }
            }
            guard tangents > 0, let k = coefficients else { return }
            var j = 0
            while j < H {
                let n = min(8, H - j)
                let ci = GateMath.load(k + j, n), cf = GateMath.load(k + H + j, n)
                let cg = GateMath.load(k + 2 * H + j, n), f = GateMath.load(k + 3 * H + j, n)
                let co = GateMath.load(k + 4 * H + j, n), ch = GateMath.load(k + 5 * H + j, n)
                for r in cells..<(cells + tangents) {
                    let dh = state + r * S, dc = dh + H, q = products + r * G
                    var c = f * GateMath.load(dc + j, n)
                    c += cf * GateMath.load(q + H + j, n)
                    c += ci * GateMath.load(q + j, n)
                    c += cg * GateMath.load(q + 2 * H + j, n)
                    GateMath.store(c, dc + j, n)
                    GateMath.store(co * GateMath.load(q + 3 * H + j, n) + ch * c, dh + j, n)
                }
                j += 8
            }
        }
    }
}
