import Foundation
import Testing
import LyapCore
@testable import LyapStudy

/// ln loss: flat at ln 0.69 to step 1000, linear in t to ln 0.2 at 1500, flat to 5000, linear to ln 0.02 at
/// 5500, flat to 8000.
func threeStageCurve(noise: Double = 0, seed: UInt64 = 1) -> (steps: [Int], loss: [Double]) {
    let knots: [(Double, Double)] = [(1, log(0.69)), (1000, log(0.69)), (1500, log(0.2)), (5000, log(0.2)), (5500, log(0.02)), (8000, log(0.02))]
    var rng = LabRNG(seed: seed)
    let steps = Array(1...8000)
    let loss = steps.map { s -> Double in
        let t = Double(s)
        let k = knots.lastIndex { $0.0 <= t }!
        let (t0, y0) = knots[k], (t1, y1) = knots[min(k + 1, knots.count - 1)]
        let y = t1 == t0 ? y0 : y0 + (y1 - y0) * (t - t0) / (t1 - t0)
        return exp(y + noise * rng.normal())
    }
    return (steps, loss)
}

struct StageTests {
    func near(_ a: Int, _ b: Double, _ tol: Double) -> Bool { abs(log(Double(a) / b)) < tol }

    @Test func threeStagesNoiseFree() {
        let (s, l) = threeStageCurve()
        let r = StageDetector().detect(steps: s, loss: l)
        let p1 = try! #require(r.initialPlateau), d1 = try! #require(r.initialDescent), p2 = try! #require(r.secondaryPlateau)
        #expect(p1.startStep == 1)
        #expect(near(p1.endStep, 1000, 0.12), "plateau ends \(p1.endStep)")
        #expect(near(d1.startStep, 1000, 0.12) && near(d1.endStep, 1500, 0.12), "descent \(d1.startStep)-\(d1.endStep)")
        #expect(near(p2.startStep, 1500, 0.12) && near(p2.endStep, 5000, 0.12), "secondary \(p2.startStep)-\(p2.endStep)")
        #expect(abs(p1.startLoss - 0.69) < 1e-9 && abs(p2.endLoss - 0.2) < 0.01)
        #expect(d1.meanKappa < -1)
        // The change-point fit finds the four corners.
        let cps = r.changePoints.changePoints
        #expect(cps.count == 4, "change points \(cps)")
        for (c, truth) in zip(cps, [1000.0, 1500, 5000, 5500]) { #expect(abs(c - truth) <= 5, "change point \(c) vs \(truth)") }
    }

    @Test func threeStagesWithNoiseAndWiderWindow() {
        let (s, l) = threeStageCurve(noise: 0.002, seed: 5)
        let r = StageDetector(options: .init(halfWidth: 0.1, minNeighbours: 10)).detect(steps: s, loss: l)
        let p1 = try! #require(r.initialPlateau), d1 = try! #require(r.initialDescent), p2 = try! #require(r.secondaryPlateau)
        #expect(near(p1.endStep, 1000, 0.2), "plateau ends \(p1.endStep)")
        #expect(near(d1.startStep, 1000, 0.2) && near(d1.endStep, 1500, 0.2), "descent \(d1.startStep)-\(d1.endStep)")
        #expect(near(p2.startStep, 1500, 0.2) && near(p2.endStep, 5000, 0.2), "secondary \(p2.startStep)-\(p2.endStep)")
        let cps = r.changePoints.changePoints
        for truth in [1000.0, 1500, 5000, 5500] {
            #expect(cps.contains { abs($0 - truth) <= 50 }, "no change point near \(truth): \(cps)")
        }
    }

    @Test func noStagesOnAPureDescent() {
        // ln l = -0.5 ln t: kappa = -0.5 everywhere: one descent, no plateau.
        let steps = Array(1...2000)
        let r = StageDetector().detect(steps: steps, loss: steps.map { pow(Double($0), -0.5) })
        #expect(r.initialPlateau == nil && r.secondaryPlateau == nil)
        #expect(r.intervals.count == 1 && r.intervals[0].kind == .descent)
        #expect(r.kappa.allSatisfy { abs($0 + 0.5) < 1e-9 })
    }
}
