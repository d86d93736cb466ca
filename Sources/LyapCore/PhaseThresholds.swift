/// The fixed thresholds on D̃ (ln geometric-mean asymptotic distance) that the phase rules and the report's
/// charts share (methods.md §5.3, docs/science/PROTOCOL.md).
public enum PhaseThresholds {
    /// The public reproduction's rule: order when D̃ (end of drive) < −14.5, chaos otherwise.
    public static let reproduction = -14.5
    /// The lab rule's floor band: order needs D̃ <= −14 (with a floor fraction >= 0.9).
    public static let labFloor = -14.0
}
