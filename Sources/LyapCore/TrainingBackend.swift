/// A training backend whose gradient can be altered between backward and the Adam update (`lyap audit`'s
/// learning-signal perturbations): what every kind of compute backend makes for `lyap train`.
public protocol TrainingBackend: LSTMBackend {
    /// Applied to the mean-loss gradient of each step between backward and the update; nil leaves it alone.
    var gradientTransform: ((inout [Scalar]) -> Void)? { get set }
}
