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
