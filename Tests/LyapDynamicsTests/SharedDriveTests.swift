import CLyapKernels
import Foundation
import LyapCore
import Testing
@testable import LyapDynamics
@testable import LyapCPUDynamics
import LyapTestSupport

/// The drive with the shared pad prefix (issue 14) against the unshared drive: bitwise the same analysis in
/// both precisions, on the product kernels and on the BLAS fallback, at widths that are not a multiple of
/// the kernels' lane count. The zero-input phase is kept short so the end-of-drive states reach the results.
struct SharedDriveTests {
    /// Row r: `pads[r]` pad ids, then tokens from 1..<vocab with an occasional 0 inside (only the leading run
    /// is shared).
    static func reviews(pads: [Int], drive: Int, vocab: Int, seed: UInt64) -> ReviewSet {
        var rng = LabRNG(seed: seed, stream: "shared-drive-test-reviews")
        var tokens: [Int32] = []
        for p in pads {
            for t in 0..<drive {
                if t < p { tokens.append(0); continue }
                tokens.append(t > p && rng.below(5) == 0 ? 0 : Int32(1 + rng.below(vocab - 1)))
            }
        }
        return ReviewSet(drive: drive, tokens: tokens, indices: pads.indices.map { $0 }, labels: pads.indices.map { UInt8($0 % 2) })
    }

    static let drive = 23
    /// 21 reviews: more than one block in both precisions (16 and 8 lanes), the last one partial.
    static let padCases: [(String, [Int])] = [
        ("all equal", Array(repeating: 7, count: 21)),
        ("all different", [3, 17, 0, 9, 20, 1, 12, 5, 19, 8, 2, 14, 6, 11, 16, 4, 10, 13, 18, 15, 22]),
        ("zero", Array(repeating: 0, count: 21)),
        ("mixed, one all pads, one without pad", [5, 5, 23, 0, 11, 5, 22, 2, 2, 9, 5, 14, 1, 5, 7, 7, 3, 5, 12, 4, 6]),
    ]

    /// Every number of a review's result as bit patterns, so -0 and 0 (and NaN) count as different.
    static func bits(_ r: ReviewDynamics) -> [UInt64] {
        var x = r.exponents.map(\.bitPattern)
        x += [r.distance[.initial]!, r.distance[.endOfDrive]!, r.reducedSum, r.readout, r.jacobianNorm ?? .nan].map(\.bitPattern)
        x += (r.finalState ?? []).map(\.bitPattern)
        x.append(UInt64(r.collapsedRows))
        return x
    }

    enum Products { case reference, kernels, blas }

    /// The analysis of every pad case with and without the shared prefix; `check` compares each pair.
    static func compare(hidden: Int, precision: DynamicsPrecision, products: Products, gain: Double,
                        check: (String, [ReviewDynamics], [ReviewDynamics]) -> Void) throws {
        let model = TestModels.lstm(vocab: 11, embed: 3, hidden: hidden, seed: UInt64(hidden), gain: gain, biasSpread: 1)
        for (name, pads) in padCases {
            let reviews = reviews(pads: pads, drive: drive, vocab: 11, seed: UInt64(pads.count + hidden))
            var c = TestModels.config(drive: drive, steps: drive + 6, transient: 2, k: 3, reviews: pads.count,
                                      precision: precision, threads: 2)
            c.jacobianNormIterations = 1
            c.finalStates = true
            c.perturbCell = hidden == 37
            c.referenceProducts = products == .reference
            c.forceBLASProducts = products == .blas
            let unshared = try StabilityAnalysis.analyze(model, reviews: reviews, config: c)
            c.sharedPadID = 0
            let shared = try StabilityAnalysis.analyze(model, reviews: reviews, config: c)
            #expect(unshared.perReview.count == pads.count && shared.perReview.count == pads.count)
            check("\(name), H=\(hidden), \(precision), \(products)", unshared.perReview, shared.perReview)
        }
    }

    static func expectBitwise(_ what: String, _ a: [ReviewDynamics], _ b: [ReviewDynamics]) {
        let differ = zip(a, b).filter { bits($0) != bits($1) }.map { $0.0.index! }
        #expect(differ.isEmpty, "\(what): reviews \(differ) differ")
    }

    /// Products whose elements do not depend on the row's position or the number of rows (the AVX-512
    /// kernels' arithmetic, emulated here on any machine): the shared drive is bitwise the unshared one.
    @Test(arguments: [13, 37], [DynamicsPrecision.float32, .float64])
    func sharedDriveIsBitwiseTheUnsharedDrive(hidden: Int, precision: DynamicsPrecision) throws {
        try Self.compare(hidden: hidden, precision: precision, products: .reference, gain: 6, check: Self.expectBitwise)
    }

    /// The same on the AVX-512 product kernels themselves (the engine's default path where the CPU has them).
    @Test(.enabled(if: lyap_kernels_isa() == 2, "no AVX-512 here: the engine's products are OpenBLAS's (see the BLAS test)"),
          arguments: [13, 37], [DynamicsPrecision.float32, .float64])
    func sharedDriveIsBitwiseOnTheProductKernels(hidden: Int, precision: DynamicsPrecision) throws {
        try Self.compare(hidden: hidden, precision: precision, products: .kernels, gain: 6, check: Self.expectBitwise)
    }

    /// OpenBLAS's products round an element differently by the row's position in the tile and the number of
    /// rows, so on the BLAS path (every machine without AVX-512) the shared drive agrees to rounding only:
    /// float64 to ~1e-13, float32 to the parity tolerance (in a model whose drive does not amplify rounding).
    @Test(arguments: [13, 37], [DynamicsPrecision.float32, .float64])
    func sharedDriveAgreesToRoundingOnTheBLASPath(hidden: Int, precision: DynamicsPrecision) throws {
        let tol = precision == .float64 ? 1e-13 : 1e-5
        try Self.compare(hidden: hidden, precision: precision, products: .blas, gain: 2) { what, a, b in
            for (x, y) in zip(a, b) {
                func numbers(_ r: ReviewDynamics) -> [Double] {
                    r.exponents + r.finalState! + [r.reducedSum, r.readout, r.jacobianNorm!, r.distance[.initial]!, r.distance[.endOfDrive]!]
                }
                let worst = maxAbsDiff(numbers(x), numbers(y))
                #expect(worst < tol, "\(what), review \(x.index!): \(worst)")
                #expect(x.collapsedRows == y.collapsedRows)
            }
        }
    }

    /// The case where the drive matters most: the results one zero-input step after it, in a chaotic model.
    @Test(arguments: [DynamicsPrecision.float32, .float64])
    func endOfDriveStatesAreBitwiseAfterOneZeroInputStep(_ precision: DynamicsPrecision) throws {
        let model = TestModels.lstm(vocab: 11, embed: 3, hidden: 13, seed: 3, gain: 10, biasSpread: 0.5)
        let reviews = Self.reviews(pads: Self.padCases[3].1, drive: Self.drive, vocab: 11, seed: 9)
        var c = TestModels.config(drive: Self.drive, steps: Self.drive + 1, transient: 0, k: 0, reviews: 21,
                                  precision: precision, threads: 1)
        c.finalStates = true
        c.referenceProducts = true
        let unshared = try StabilityAnalysis.analyze(model, reviews: reviews, config: c)
        c.sharedPadID = 0
        let shared = try StabilityAnalysis.analyze(model, reviews: reviews, config: c)
        Self.expectBitwise("one step after the drive", unshared.perReview, shared.perReview)
        // Reviews of different pad runs end in different states (the test would see a base entering late).
        #expect(Set(shared.perReview.map { $0.finalState! }).count == 21)
    }

    @Test func leadingRunsCountOnlyTheLeadingPads() {
        // The rows have pad ids after their first real token too; those are not part of the run.
        let reviews = Self.reviews(pads: Self.padCases[3].1, drive: Self.drive, vocab: 11, seed: 4)
        #expect(reviews.tokens.filter { $0 == 0 }.count > Self.padCases[3].1.reduce(0, +))
        #expect(SharedPadPrefix<Float>.runs(reviews, id: 0) == Self.padCases[3].1)
    }

    /// The shared trajectory against the float64 LSTM map driven by pads from h = c = 0, at every length.
    @Test func theSharedTrajectoryIsThePadDrivenMap() {
        let H = 13, model = TestModels.lstm(vocab: 11, embed: 3, hidden: H, seed: 8, gain: 4, biasSpread: 1)
        let w = CellWeights<Double>(model, padTo: BatchedEngine<Double>.padding)
        let prefix = SharedPadPrefix(w, id: 0, runs: [4, Self.drive, 0], blas: true)
        #expect(prefix.states.count == (Self.drive + 1) * 2 * w.width)
        var map = LSTMStateMap(model, tokens: Array(repeating: 0, count: Self.drive))
        var none = [Double]()
        for p in 0...Self.drive {
            let row = Array(prefix.states[(p * 2 * w.width)..<((p + 1) * 2 * w.width)])
            #expect(maxAbsDiff(Array(row[0..<H]), map.h) < 1e-12 && maxAbsDiff(Array(row[w.width..<(w.width + H)]), map.c) < 1e-12, "p = \(p)")
            #expect(row[H..<w.width].allSatisfy { $0 == 0 }, "padded units stay zero")
            if p < Self.drive { map.step(tangents: &none, count: 0) }
        }
    }
}
