import Foundation
import LyapCore
import Testing
@testable import LyapDynamics
@testable import LyapCPUDynamics
import LyapTestSupport

/// Bad input, review selection, derived quantities and phase bookkeeping.
struct ProtocolTests {
    static let model = TestModels.lstm(hidden: 5, seed: 1, gain: 1)
    static let reviews = TestModels.reviews(count: 3, drive: 20, vocab: 13, seed: 1)

    func expectError(_ c: AnalysisConfig, reviews: ReviewSet = ProtocolTests.reviews, _ phrases: [String],
                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try StabilityAnalysis.analyze(Self.model, reviews: reviews, config: c)
            Issue.record("no error", sourceLocation: sourceLocation)
        } catch {
            for p in phrases { #expect(error.message.contains(p), "'\(p)' not in: \(error.message)", sourceLocation: sourceLocation) }
            #expect(!error.message.contains("\n"), sourceLocation: sourceLocation)
        }
    }

    @Test func badProtocolNumbersAreRejectedWithTheFlagName() {
        let ok = TestModels.config(drive: 20, steps: 100, transient: 30, k: 2, reviews: 3)
        var c = ok
        c.exponents = 11
        expectError(c, ["--exponents 11", "2H = 10"])
        c = ok; c.steps = 20
        expectError(c, ["--steps 20", "--drive 20"])
        c = ok; c.steps = 15
        expectError(c, ["--steps 15"])
        c = ok; c.transient = 80
        expectError(c, ["--transient 80"])
        c = ok; c.epsilon = 0
        expectError(c, ["--epsilon"])
        c = ok; c.renormEvery = 0
        expectError(c, ["--renorm-every 0"])
        c = ok; c.drive = 30
        expectError(c, ["--drive 30", "20"])
        c = ok; c.threads = 0
        expectError(c, ["--threads 0"])
        // k = 2H is allowed, and k = 0 (distance only) skips the transient check.
        c = ok; c.exponents = 10
        #expect((try? StabilityAnalysis.analyze(Self.model, reviews: Self.reviews, config: c)) != nil)
        c = ok; c.exponents = 0; c.transient = 500
        let a = try? StabilityAnalysis.analyze(Self.model, reviews: Self.reviews, config: c)
        #expect(a != nil && a!.maxExponent == nil && a!.phase.byExponent == nil)
    }

    /// The paper's protocol (methods.md §4.4, §4.6, §5.2) is the default of every number: drive 500, 1600 cell
    /// updates (T = 1599, 1100 zero-input steps), a 500-step transient (600 averaged steps), 500 reviews,
    /// ε = 1e-3, k = 8, Gram–Schmidt every step for spectra and every 5 steps for λ1 alone, float32, seed 0.
    @Test func defaultsAreThePapersProtocol() {
        let c = AnalysisConfig()
        #expect(c.drive == 500 && c.steps == 1600 && c.transient == 500 && c.reviews == 500)
        #expect(c.epsilon == 1e-3 && c.exponents == 8 && c.renormEvery == nil && c.seed == 0)
        #expect(c.precision == .float32 && !c.perturbCell && c.jacobianNormIterations == 0)
        #expect(c.autonomousSteps == 1100 && c.accumulatedSteps == 600)
        #expect(c.effectiveRenormEvery == 1)
        var one = c
        one.exponents = 1
        #expect(one.effectiveRenormEvery == 5)
        #expect(one.renormSchedule == RenormSchedule(every: 5, transient: 500, total: 1100))
        #expect(abs(c.chaosThreshold(hidden: 60) - log(1e-3 * 60.0.squareRoot())) < 1e-15)
    }

    @Test func tokensOutsideTheVocabularyAreAMismatch() {
        let big = ReviewSet(drive: 20, tokens: [Int32](repeating: 3, count: 19) + [40], indices: [17], labels: [1])
        expectError(TestModels.config(drive: 20, steps: 100, transient: 30, k: 1, reviews: 1), reviews: big,
                    ["test review 17", "token id 40", "V=13", "vocabulary"])
    }

    @Test func reviewSelectionIsSeededSortedAndPrePadded() throws {
        // 10 reviews of length 6; row r holds ids r*10+1 ... r*10+6, except row 3 which is padded.
        var ids: [Int32] = []
        for r in 0..<10 { for t in 0..<6 { ids.append(r == 3 && t < 2 ? 0 : Int32(r * 10 + t + 1)) } }
        let labels = (0..<10).map { UInt8($0 % 2) }
        let a = try ReviewSet.select(from: ids, labels: labels, seqLen: 6, count: 4, drive: 4, seed: 9)
        let b = try ReviewSet.select(from: ids, labels: labels, seqLen: 6, count: 4, drive: 4, seed: 9)
        #expect(a == b)
        #expect(a.indices.map { $0! } == a.indices.map { $0! }.sorted())
        #expect(try ReviewSet.select(from: ids, labels: labels, seqLen: 6, count: 4, drive: 4, seed: 10) != a)
        for (row, idx) in a.indices.enumerated() {
            let r = idx!
            #expect(Array(a.tokens[(row * 4)..<(row * 4 + 4)]) == Array(ids[(r * 6 + 2)..<(r * 6 + 6)]), "keeps the last 4 ids")
            #expect(a.labels[row] == labels[r])
        }
        let long = try ReviewSet.select(from: ids, labels: labels, seqLen: 6, count: 10, drive: 8, seed: 9)
        #expect(Array(long.tokens[0..<8]) == [0, 0, 1, 2, 3, 4, 5, 6], "a longer drive pre-pads with id 0")
        #expect(throws: ConfigError.self) { try ReviewSet.select(from: ids, labels: labels, seqLen: 6, count: 11, drive: 4, seed: 9) }
    }

    /// Post-padded data (the reproduction's): a shorter drive keeps each review's FIRST ids, a longer one
    /// appends pads, so the cell sees the review's first tokens, then its pads.
    @Test func postPaddedReviewsDriveWithTheirFirstTokens() throws {
        var ids: [Int32] = []
        for r in 0..<10 { for t in 0..<6 { ids.append(r == 3 && t >= 4 ? 0 : Int32(r * 10 + t + 1)) } }
        let labels = (0..<10).map { UInt8($0 % 2) }
        let a = try ReviewSet.select(from: ids, labels: labels, seqLen: 6, count: 10, drive: 4, seed: 9, padding: .post)
        let pre = try ReviewSet.select(from: ids, labels: labels, seqLen: 6, count: 10, drive: 4, seed: 9)
        #expect(a.indices == pre.indices)
        for row in 0..<10 {
            #expect(Array(a.tokens[(row * 4)..<(row * 4 + 4)]) == Array(ids[(row * 6)..<(row * 6 + 4)]), "keeps the first 4 ids")
        }
        #expect(a.tokens != pre.tokens)
        let long = try ReviewSet.select(from: ids, labels: labels, seqLen: 6, count: 10, drive: 8, seed: 9, padding: .post)
        #expect(Array(long.tokens[(3 * 8)..<(4 * 8)]) == [31, 32, 33, 34, 0, 0, 0, 0], "a longer drive appends pads")
    }

    @Test func kaplanYorkeAndEntropy() {
        #expect(LyapunovSpectrum.ksEntropy([0.3, 0.1, -0.2, -1]) == 0.4)
        #expect(abs(LyapunovSpectrum.kaplanYorke([0.3, 0.1, -0.2, -1])! - (3 + 0.2 / 1)) < 1e-15)
        #expect(abs(LyapunovSpectrum.kaplanYorke([0.3, -0.6])! - 1.5) < 1e-15)
        #expect(LyapunovSpectrum.kaplanYorke([-0.1, -0.5]) == 0)
        #expect(LyapunovSpectrum.kaplanYorke([0.2, 0.1]) == nil, "needs more exponents")
    }

    @Test func transitionsWithHysteresis() {
        let e = [10, 20, 30, 40, 50, 60, 70, 80]
        let l: [Phase] = [.order, .chaos, .order, .order, .chaos, .chaos, .chaos, .order]
        #expect(PhaseTransition.detect(epochs: e, labels: l, hysteresis: 1) == [
            .init(from: .order, to: .chaos, epoch: 20, lastEpochBefore: 10), .init(from: .chaos, to: .order, epoch: 30, lastEpochBefore: 20),
            .init(from: .order, to: .chaos, epoch: 50, lastEpochBefore: 40), .init(from: .chaos, to: .order, epoch: 80, lastEpochBefore: 70),
        ])
        // With 2, the one-checkpoint flicker at 20 is dropped, and the change at the last checkpoint cannot
        // be confirmed.
        #expect(PhaseTransition.detect(epochs: e, labels: l, hysteresis: 2) == [
            .init(from: .order, to: .chaos, epoch: 50, lastEpochBefore: 40),
        ])
        #expect(PhaseTransition.detect(epochs: [1], labels: [.edge]).isEmpty)
    }

    @Test func phaseRules() {
        var c = AnalysisConfig()
        c.exponents = 1
        c.epsilon = 1e-3
        func review(_ l1: Double, _ d: Double) -> ReviewDynamics {
            ReviewDynamics(index: 0, label: 0, exponents: [l1], distance: [.initial: d, .endOfDrive: d], reducedSum: 0,
                           readout: 0, jacobianNorm: nil, collapsedRows: 0)
        }
        let threshold = log(1e-3 * 60.0.squareRoot())
        #expect(abs(CheckpointAnalysis(config: c, hidden: 60, perReview: []).chaosThreshold - threshold) < 1e-15)
        let floor = CheckpointAnalysis(config: c, hidden: 60, perReview: [review(-0.1, 0), review(-0.2, 1e-9)])
        #expect(floor.distance(.endOfDrive).logMean > -15.0001 && floor.distance(.endOfDrive).floorFraction == 1)
        #expect(floor.phase == PhaseLabels(byDistance: .order, byExponent: .order, lab: .order))
        // D̃ = ln 0.01 is above ln(ε√H) ≈ -4.9 but not by 1: chaos by distance, edge by the lab rule.
        let mid = CheckpointAnalysis(config: c, hidden: 60, perReview: [review(0.01, 0.01), review(-0.001, 0.01)])
        #expect(mid.phase == PhaseLabels(byDistance: .chaos, byExponent: .chaos, lab: .edge))
        let chaos = CheckpointAnalysis(config: c, hidden: 60, perReview: [review(0.2, 1), review(0.1, 2)])
        #expect(chaos.phase.lab == .chaos)
        #expect(chaos.maxExponent == 0.15000000000000002 && chaos.positiveFraction == 1)
    }
}
