import LyapCore
import LyapDynamics

/// A kind of compute backend beside the built-in cpu and vulkan, as `--backend NAME` selects it: it makes
/// the training and evaluation backends of a run and its stability analysis. lyap's factory
/// (`ComputeBackend`) lists the kinds; a new backend is a module implementing `TrainingBackend`,
/// `StabilityBackend` and this, plus one line in that list (the test kind in LyapTestSupport shows it).
public protocol ComputeKind: Sendable {
    /// The `--backend` value.
    var name: String { get }
    /// What config.json's `backend` records and the log line shows.
    var recordName: String { get }
    /// Throws one clear line when the kind cannot compute in `precision`.
    func check(precision: RunConfig.Precision) throws
    /// The backend that trains run `c` (its shape, biases, threads, pad row, loss and pad sharing).
    func training(_ c: RunConfig) throws -> any TrainingBackend
    /// A backend that evaluates a checkpoint of `shape` in `precision` with `loss`.
    func evaluation(shape: ModelShape, biases: BiasLayout, precision: RunConfig.Precision, loss: LossForm,
                    threads: Int, sharedPadID: Int32?) throws -> any LSTMBackend
    /// The stability analysis.
    func analysis() -> any StabilityBackend
}
