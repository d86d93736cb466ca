import LyapCore

/// The `--no-shuffle` order of a source without a line order (the archive, a folder, the embedded data),
/// whose canonical storage order is class-sorted: one permutation of the training split drawn from a
/// constant generator, `LabRNG(seed: FixedOrder.seed, stream: "fixed-order").permutation(count)`, the
/// same for every run and every seed. Applied to the order only; the stored split never moves.
public enum FixedOrder {
    public static let seed: UInt64 = 0x0DE5
    public static let stream = "fixed-order"

    public static func permutation(count: Int, seed: UInt64 = FixedOrder.seed) -> [Int] {
        var rng = LabRNG(seed: seed, stream: stream)
        return rng.permutation(count)
    }
}
