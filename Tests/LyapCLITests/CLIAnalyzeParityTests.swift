import Foundation
import Testing
import LyapTestSupport

/// `lyap analyze --backend vulkan` (float32 on the device) against `--backend cpu --precision float64` (the
/// oracle) on the checkpoints of a trained run, the same reviews and seed (methods.md §4.7 step 8, issue 4).
@Suite(.serialized)
struct CLIAnalyzeParityTests {
    /// Exponent bounds per regime, ~15x lavapipe's worst (docs/parity-bounds.md): near-critical checkpoints'
    /// exponents lie closer to each other and to 0, so Gram–Schmidt and the longer memory pass more float32
    /// rounding through.
    static let ordered = 1e-5, nearCritical = 6e-5

    /// Per checkpoint and per review, every exponent within its regime's bound. The distances agree within
    /// the float floor band of methods.md §5.3: float32 leaves ulp-level
    /// residues (d ~ 1e-7..1e-6) where Double reaches 0, so a D̃ at -15 may read anywhere in -15..-14 on the
    /// device. Hence: a review at the floor (d < e^-15) on one backend reads in the band (ln(d + e^-15) <= -14)
    /// on the other; a checkpoint's D̃ is in the band on both or on neither; and the two D̃ differ by less
    /// than the band's width, 1. Above the band, where the perturbation was not rounded away, they must agree
    /// closer still: 0.25 (measured <= 0.06; a review's λ1 here is within ±0.02 of 0, so float32 and Double
    /// trajectories stay together over the 288 zero-input steps).
    /// Init scale 5: ordered checkpoints whose float32 distances sit inside the band; 8: near-critical ones.
    @Test(.vulkanDevice, arguments: [5.0, 8.0])
    func vulkanFloatMatchesCPUDoubleOnATrainedRun(initScale: Double) throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = try AnalyzeRuns.train(s, epochs: 4, initScale: initScale)
        let vk = s.dir + "/vulkan.json", cpu = s.dir + "/cpu.json"
        try AnalyzeRuns.analyze(["--checkpoint", run, "--backend", "vulkan", "--validate"] + AnalyzeRuns.protocolFlags, json: vk)
        try AnalyzeRuns.analyze(["--checkpoint", run, "--backend", "cpu", "--precision", "float64"] + AnalyzeRuns.protocolFlags, json: cpu)
        let gpu = try AnalyzeRuns.checkpoints(vk), oracle = try AnalyzeRuns.checkpoints(cpu)
        #expect(gpu.map(\.epoch) == [1, 2, 3, 4] && oracle.map(\.epoch) == [1, 2, 3, 4])
        let floorBand = -14.0, floor = exp(-15.0)
        let bound = initScale == 5 ? Self.ordered : Self.nearCritical
        var worstMean = 0.0, worstReview = 0.0
        for (g, d) in zip(gpu, oracle) {
            let e = g.epoch ?? -1
            #expect(g.precision == "float32" && d.precision == "float64")
            // Trajectories are comparable only outside chaos (methods.md §4.6).
            #expect(d.phase("lab_rule") != "chaos", "epoch \(e)")
            let l1 = try #require(g.maxExponent), l1d = try #require(d.maxExponent)
            worstMean = max(worstMean, abs(l1 - l1d))
            #expect(abs(l1 - l1d) < bound, "epoch \(e): λ1 vulkan \(l1) cpu float64 \(l1d)")
            #expect(g.reviews.count == 8 && d.reviews.count == 8)
            for (x, y) in zip(g.reviews, d.reviews) {
                #expect(x["index"] as? Int == y["index"] as? Int)
                let a = try #require(x["exponents"] as? [Double]), b = try #require(y["exponents"] as? [Double])
                #expect(a.count == 3 && b.count == 3)
                worstReview = max(worstReview, zip(a, b).map { abs($0 - $1) }.max() ?? .nan)
                for j in 0..<3 { #expect(abs(a[j] - b[j]) < bound, "epoch \(e) review \(x["index"] ?? "?"): λ\(j + 1) \(a[j]) vs \(b[j])") }
            }
            for placement in ["initial", "end_of_drive"] {
                let a = try #require(g.distance(placement)), b = try #require(d.distance(placement))
                #expect(abs(a - b) < 1, "epoch \(e) \(placement): D~ vulkan \(a) cpu float64 \(b)")
                #expect((a <= floorBand) == (b <= floorBand), "epoch \(e) \(placement): D~ vulkan \(a) cpu float64 \(b)")
                if a > floorBand && b > floorBand { #expect(abs(a - b) < 0.25, "epoch \(e) \(placement): D~ \(a) vs \(b)") }
                #expect(g.reviewDistances(placement).count == 8 && d.reviewDistances(placement).count == 8)
                for (x, y) in zip(g.reviewDistances(placement), d.reviewDistances(placement)) where min(x, y) < floor {
                    #expect(log(max(x, y) + floor) <= floorBand, "epoch \(e) \(placement): d vulkan \(x) cpu float64 \(y)")
                }
            }
        }
        print("parity CLIAnalyzeParityTests init scale \(initScale): worst |Δλ| per review \(worstReview), worst |Δ mean λ1| \(worstMean)")
    }
}
