import Testing
import Foundation
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
