import LyapCore
import LyapDynamics
import LyapVulkan

/// The work of one `lstm_tangent` dispatch covering cell updates `begin..<end` of every (checkpoint,
/// review) lane, for the floors of the `--profile` table (see `KernelWork`, `TrainingStepWork`).
/// Per lane and step: the drive's input product and the recurrent products of the base and twin A; in
/// the zero-input phase the recurrent products of 3 + k rows, their cell and tangent updates, and at each
/// renormalisation modified Gram-Schmidt with one reorthogonalisation pass (2 dot products and 2 axpys of
/// length 2H per pair of rows and pass, plus the norms). Bytes: each checkpoint's parameters once, the
/// review's tokens of the drive steps covered, the state carried between dispatches (read unless the
/// dispatch starts the loop, written unless it ends it), and the outputs.
struct TangentWork {
    let H, E, P, k, models, reviews, drive: Int
    let schedule: RenormSchedule
    let ftle: Bool

    func dispatch(begin: Int, end: Int) -> KernelWork {
        let G = 4 * H, n = 2 * H, lanes = models * reviews
        let driveSteps = max(0, min(end, drive) - begin)
        let autoSteps = max(0, end - max(begin, drive))
        let firstAuto = max(begin, drive) - drive + 1, lastAuto = end - drive
        let renorms = autoSteps > 0 ? schedule.renormalizationSteps.filter { $0 >= firstAuto && $0 <= lastAuto }.count : 0
        let perLane = KernelWork.multiplyAdds(driveSteps * (G * E + 2 * G * H)) + .operations(driveSteps * 2 * H * 12)
            + .multiplyAdds(autoSteps * (3 + k) * G * H) + .operations(autoSteps * (3 * H * 12 + k * n * 8))
            + .multiplyAdds(renorms * (2 * k * (k - 1) * n + k * n)) + .operations(renorms * k * n)
        let saved = (3 + k) * n + 2 * k + 1
        let bytes = KernelWork.floats(models * P + reviews * driveSteps + ((begin > 0 ? 1 : 0) + (end < drive + schedule.total ? 1 : 0)) * lanes * saved
            + lanes * (3 * H + 2 * k + 1 + k * n) + (ftle ? lanes * autoSteps : 0))
        return KernelWork(flops: Double(lanes) * perLane.flops, bytes: bytes.bytes)
    }
}


extension VulkanStabilityAnalysis {
    /// The work of analysing `checkpoints` checkpoints of one shape under `config` (one dispatch per
    /// checkpoint group, the whole loop in each): what a profiled analysis records, without a device.
    public static func work(shape: ModelShape, checkpoints: Int, config c: AnalysisConfig) -> KernelWork {
        TangentWork(H: shape.hidden, E: shape.embed, P: shape.parameterCount, k: c.exponents, models: checkpoints,
                    reviews: c.reviews, drive: c.drive, schedule: c.renormSchedule, ftle: c.finiteTimeSeries && c.exponents > 0)
            .dispatch(begin: 0, end: c.steps)
    }
}
