import Foundation
import LyapCore

/// Arithmetic of the analysis: float32 (the fast path, and the paper's floor e^-15 is float32-sized) or
/// float64 (the oracle).
public enum DynamicsPrecision: String, Sendable, Codable, CaseIterable {
    case float32, float64
}

/// Every number of the protocol (methods.md §4.4, §5.2), with the paper's values as defaults.
/// Flag names in errors are the `lyap analyze` ones.
public struct AnalysisConfig: Sendable, Equatable, Codable {
    /// Driven steps: the review's (pre-padded) tokens feed steps 0..<drive. 0 means no drive (autonomous).
    public var drive = 500
    /// Total cell updates; the read-out time is T = steps - 1 (1600 steps: T = 1599).
    public var steps = 1600
    /// Zero-input steps after the drive whose Jacobians are not averaged (tangents are propagated and
    /// renormalised through them).
    public var transient = 500
    /// Reviews taken from the test split (a seeded, fixed subset).
    public var reviews = 500
    /// Standard deviation ε of each component of the perturbation ξ ~ N(0, ε² I_H).
    public var epsilon = 1e-3
    /// Tangent vectors k (Lyapunov exponents λ1..λk); 0 computes the asymptotic distance only.
    public var exponents = 8
    /// Steps between re-orthonormalisations; nil means 1 for k > 1 and 5 for k = 1 (methods.md §4.6).
    public var renormEvery: Int? = nil
    /// Seeds the review subset, the perturbations ξ and the initial tangent frames. The same seed gives the
    /// same reviews and vectors for every checkpoint.
    public var seed: UInt64 = 0
    /// Perturb c by an independent draw of the same size as well as h (methods.md §5.2, optional).
    public var perturbCell = false
    /// Power iterations on JᵀJ per step for the asymptotic Jacobian norm exp<ln‖J_t‖₂>; 0 = not computed.
    public var jacobianNormIterations = 0
    public var precision: DynamicsPrecision = .float32
    /// Keep each review's finite-time λ1 series: ln ρ_n / τ_n at every renormalisation of the zero-input
    /// phase, transient included (methods.md §4.2, for diagnostics; CPU engine only). Not encoded.
    public var finiteTimeSeries = false
    /// Keep each review's h_T (the base trajectory's final hidden state). Not encoded.
    public var finalStates = false
    /// The pad id whose leading runs the drive computes once per model (`SharedDrive`; bitwise the unshared
    /// drive), nil: every base row steps through its own pads. Analyses recorded before it decode as nil.
    public var sharedPadID: Int32? = nil
    /// Threads over review blocks. Blocks have a fixed size, so results do not depend on this.
    public var threads = ProcessInfo.processInfo.activeProcessorCount

    /// Tests only: take the BLAS products even where the AVX-512 product kernels would run, so the fallback
    /// path is exercised on machines that have AVX-512 (not encoded).
    public var forceBLASProducts = false
    /// Tests only: the drive's products as `BatchedEngine.referenceProducts` (each element one FMA chain in k
    /// order, the arithmetic of the AVX-512 product kernels), so the shared drive's bitwise equality can be
    /// checked on machines without AVX-512 (not encoded).
    public var referenceProducts = false

    public init() {}

    public var effectiveRenormEvery: Int { renormEvery ?? (exponents == 1 ? 5 : 1) }

    /// Tangent steps: the zero-input steps after the drive.
    public var autonomousSteps: Int { steps - drive }

    /// When the tangents are renormalised and from when their logs are summed (the transient is capped so
    /// at least the last step is averaged).
    public var renormSchedule: RenormSchedule {
        RenormSchedule(every: effectiveRenormEvery, transient: min(transient, autonomousSteps - 1), total: autonomousSteps)
    }

    /// Steps whose Jacobians enter the exponents.
    public var accumulatedSteps: Int { steps - drive - transient }

    /// The threshold-free chaos criterion of methods.md §5.3: D̃ > ln(ε √H).
    public func chaosThreshold(hidden: Int) -> Double { log(epsilon * Double(hidden).squareRoot()) }

    public func validate(hidden: Int) throws(ConfigError) {
        if drive < 0 { throw ConfigError("--drive \(drive) must be at least 0") }
        if steps <= drive {
            throw ConfigError("--steps \(steps) must exceed --drive \(drive): steps counts every cell update, the drive included (1600 gives T=1599)")
        }
        if transient < 0 { throw ConfigError("--transient \(transient) must be at least 0") }
        if exponents < 0 { throw ConfigError("--exponents \(exponents) must be at least 0") }
        if exponents > 2 * hidden {
            throw ConfigError("--exponents \(exponents) exceeds 2H = \(2 * hidden), the dimension of the state (h, c)")
        }
        if exponents > 0 && transient >= steps - drive {
            throw ConfigError("--transient \(transient) leaves no step to average exponents over (--steps \(steps) - --drive \(drive) = \(steps - drive) zero-input steps)")
        }
        if let r = renormEvery, r < 1 { throw ConfigError("--renorm-every \(r) must be at least 1") }
        if finiteTimeSeries && exponents == 0 { throw ConfigError("--ftle needs --exponents 1 or more (the series is the leading tangent's)") }
        if reviews < 1 { throw ConfigError("--reviews \(reviews) must be at least 1") }
        if !(epsilon > 0) || !epsilon.isFinite { throw ConfigError("--epsilon \(epsilon) must be a positive number") }
        if jacobianNormIterations < 0 { throw ConfigError("--jacobian-norm \(jacobianNormIterations) must be at least 0") }
        if threads < 1 { throw ConfigError("--threads \(threads) must be at least 1") }
    }

    enum CodingKeys: String, CodingKey {
        case drive, steps, transient, reviews, epsilon, exponents, seed, precision, threads
        case renormEvery = "renorm_every", perturbCell = "perturb_cell", jacobianNormIterations = "jacobian_norm_iterations", sharedPadID = "shared_pad_id"
    }
}
