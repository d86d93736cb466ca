import Testing
import Foundation
import CLyapKernels
import LyapCore
@testable import LyapCPU

struct ActivationTests {
    /// The Float tanh against Double's over the whole range that matters, both branches, and saturation.
    @Test func floatTanhIsAccurate() {
        var worstAbs = 0.0, worstRel = 0.0
        var x = -20.0
        while x <= 20 {
            let f = Double(Float.hyperbolicTangent(Float(x)))
            let ref = tanh(Double(Float(x)))
            worstAbs = max(worstAbs, abs(f - ref))
            if abs(ref) > 1e-30 { worstRel = max(worstRel, abs(f - ref) / abs(ref)) }
            x += 0.00137
        }
        #expect(worstAbs < 2e-7)
        #expect(worstRel < 4e-7)  // about 3 float32 ulps (eps 1.19e-7)
        #expect(Float.hyperbolicTangent(0) == 0)
        #expect(Float.hyperbolicTangent(1e-20) == 1e-20)
        #expect(Float.hyperbolicTangent(100) == 1 && Float.hyperbolicTangent(-100) == -1)
        #expect(!Float.hyperbolicTangent(.greatestFiniteMagnitude).isNaN)
    }

    @Test func sigmoidIsStableAtTheExtremes() {
        #expect(sigmoid(Float(-200)) == 0 && sigmoid(Float(200)) == 1)
        #expect(abs(sigmoid(0.3) - 1 / (1 + exp(-0.3))) < 1e-16)
    }
}

/// The eight-lane Float functions against Double's libm.
struct FloatVectorMathTests {
    @Test func expSigmoidTanhAreAccurate() {
        var worst = (exp: 0.0, sig: 0.0, tanh: 0.0)
        var x = -30.0
        while x <= 30 {
            var v = SIMD8<Float>()
            for k in 0..<8 { v[k] = Float(x + Double(k) * 0.0007) }
            let e = FloatVectorMath.exp(v), s = FloatVectorMath.sigmoid(v), t = FloatVectorMath.tanh(v)
            for k in 0..<8 {
                let xd = Double(v[k])
                worst.exp = max(worst.exp, abs(Double(e[k]) - Foundation.exp(xd)) / Foundation.exp(xd))
                worst.sig = max(worst.sig, abs(Double(s[k]) - 1 / (1 + Foundation.exp(-xd))))
                let ref = Foundation.tanh(xd)
                worst.tanh = max(worst.tanh, abs(Double(t[k]) - ref) / max(abs(ref), 1e-30))
            }
            x += 0.0093
        }
        #expect(worst.exp < 2.5e-7, "exp relative error \(worst.exp)")
        #expect(worst.sig < 1.5e-7, "sigmoid absolute error \(worst.sig)")
        #expect(worst.tanh < 4e-7, "tanh relative error \(worst.tanh)")
    }

    @Test func extremesGiveNoNaNOrInf() {
        let v = SIMD8<Float>(-1e30, -500, -88, 0, 88, 500, 1e30, .greatestFiniteMagnitude)
        for f in [FloatVectorMath.sigmoid, FloatVectorMath.tanh] {
            let r = f(v)
            for k in 0..<8 { #expect(r[k].isFinite) }
        }
        #expect(FloatVectorMath.sigmoid(v)[0] < 1e-37 && FloatVectorMath.sigmoid(v)[6] == 1)
        #expect(FloatVectorMath.tanh(v)[0] == -1 && FloatVectorMath.tanh(v)[6] == 1)
    }
}

/// The AVX2 backward cell step (`lyap_cell_back_f32`) gives the scalar loop's bits (the unshared computation's
/// trajectories must not move), at widths with and without a partial last group, with and without c_{t-1}.
struct FloatCellBackTests {
    @Test(arguments: [1, 8, 13, 60])
    func avx2GivesTheScalarBits(H: Int) {
        var rng = LabRNG(seed: UInt64(H), stream: "cell-back")
        func random(_ n: Int, _ lo: Double, _ hi: Double) -> [Float] { (0..<n).map { _ in Float(rng.uniform(lo, hi)) } }
        let gates = random(4 * H, 0, 1), tNow = random(H, -1, 1), cPrev = random(H, -3, 3)
        let eh = random(H, -2, 2), ec0 = random(H, -2, 2)
        for withPrev in [true, false] {
            var drow = [Float](repeating: .nan, count: 4 * H), ec = ec0
            let ran = cPrev.withUnsafeBufferPointer { c in
                lyap_cell_back_f32(gates, &drow, tNow, withPrev ? c.baseAddress : nil, eh, &ec, Int32(H))
            }
            #expect(ran == (lyap_kernels_isa() >= 1 ? 1 : 0))
            if ran == 0 {
                #expect(drow.allSatisfy(\.isNaN) && ec == ec0, "declined but wrote")
                continue
            }
            for j in 0..<H {
                let i = gates[j], f = gates[H + j], gg = gates[2 * H + j], o = gates[3 * H + j], tv = tNow[j]
                let ect = ec0[j] + eh[j] * o * (1 - tv * tv)
                let c: Float = withPrev ? cPrev[j] : 0
                let want: [Float] = [ect * gg * (i * (1 - i)), ect * c * (f * (1 - f)), ect * i * (1 - gg * gg), eh[j] * tv * (o * (1 - o))]
                for q in 0..<4 { #expect(drow[q * H + j].bitPattern == want[q].bitPattern, "H \(H) unit \(j) gate \(q)") }
                #expect(ec[j].bitPattern == (ect * f).bitPattern)
            }
        }
    }
}

/// The AVX2 cell update (`lyap_cell_step_f32`) gives FloatVectorMath.cellStep's bits: gate pre-activations over
/// the whole range (saturated, zero of both signs, the tanh polynomial's |x| < 1/16), odd widths, with and
/// without c_{t-1}. Without AVX2 it must decline and leave everything alone.
struct FloatCellStepTests {
    @Test(arguments: [1, 7, 8, 13, 60])
    func avx2GivesTheSwiftBits(H: Int) {
        var rng = LabRNG(seed: UInt64(100 + H), stream: "cell-step")
        let special: [Float] = [0, -0, 1e-3, -1e-3, 0.0625, -0.0625, 0.06, 90, -90, 1e30, -1e30, 20, -20]
        for trial in 0..<40 {
            let scale = [0.05, 1, 4, 30][trial % 4]
            let row = (0..<(4 * H)).map { k in rng.below(5) == 0 ? special[(k + trial) % special.count] : Float(rng.uniform(-scale, scale)) }
            var cPrev = (0..<H).map { _ in Float(rng.uniform(-scale, scale)) }
            let withPrev = trial % 3 != 0
            let zeros = [Float](repeating: 0, count: H)
            var want = (row: row, c: zeros, t: zeros, h: zeros), got = want
            let ran = cPrev.withUnsafeMutableBufferPointer { cp in
                let prev = withPrev ? cp.baseAddress : nil
                FloatVectorMath.cellStep(row: &want.row, cPrev: prev, cNow: &want.c, tNow: &want.t, hNow: &want.h, H: H)
                return lyap_cell_step_f32(&got.row, prev.map { UnsafePointer($0) }, &got.c, &got.t, &got.h, Int32(H))
            }
            func bits(_ a: [Float]) -> [UInt32] { a.map(\.bitPattern) }
            #expect(ran == (lyap_kernels_isa() >= 1 ? 1 : 0))
            if ran == 0 {
                #expect(bits(got.row) == bits(row) && got.c == zeros && got.h == zeros, "declined but wrote")
                continue
            }
            #expect(bits(got.row) == bits(want.row), "H \(H) trial \(trial): gates")
            #expect(bits(got.c) == bits(want.c) && bits(got.t) == bits(want.t) && bits(got.h) == bits(want.h), "H \(H) trial \(trial): state")
        }
    }
}
