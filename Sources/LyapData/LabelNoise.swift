import LyapCore

/// Flips each training label independently with probability p, drawn once in split order from
/// `LabRNG(seed: seed, stream: "label-noise")` (one uniform draw per review, flip when < p).
public enum LabelNoise {
    public static func apply(to labels: inout [UInt8], probability p: Double, seed: UInt64) -> Int {
        guard p > 0 else { return 0 }
        var rng = LabRNG(seed: seed, stream: "label-noise")
        var flipped = 0
        for i in labels.indices where rng.nextUnitDouble() < p {
            labels[i] ^= 1
            flipped += 1
        }
        return flipped
    }
}
