import LyapDynamics
/// What another backend (LyapVulkan's stability analysis) needs to reproduce `BatchedEngine` review by
/// review: the same per-review vectors and a way to build `ReviewDynamics`. Thin public wrappers, so the
/// engine's own types stay internal.

/// The per-review random vectors of `LaneVectors` (ξ, ξ_c, initial tangent frames), drawn from the same
/// seeded streams, so a GPU run and a CPU run see identical perturbations and frames.
public struct AnalysisLaneVectors: Sendable {
    /// lanes × H
    public let xi: [Double]
    /// lanes × H (zeros unless perturbCell)
    public let xiCell: [Double]
    /// lanes × k × 2H, orthonormal rows per lane
    public let frames: [Double]

    public init(reviews: ReviewSet, hidden: Int, config: AnalysisConfig) {
        let v = LaneVectors(reviews: reviews, hidden: hidden, config: config)
        xi = v.xi
        xiCell = v.xiCell
        frames = v.frames
    }
}

extension ReviewDynamics {
    public init(reviewIndex: Int?, label: UInt8?, exponents: [Double], distance: [PerturbationPlacement: Double],
                reducedSum: Double, readout: Double, jacobianNorm: Double?, collapsedRows: Int, finalState: [Double]? = nil) {
        self.init(index: reviewIndex, label: label, exponents: exponents, distance: distance, reducedSum: reducedSum, readout: readout,
                  jacobianNorm: jacobianNorm, collapsedRows: collapsedRows, finalState: finalState)
    }
}
