import LyapCore
import LyapIO

/// The sibling of a model checkpoint that makes --resume exact: Adam moments (same names as the
/// model tensors, prefixed `adam.exp_avg.` / `adam.exp_avg_sq.`), the Adam step counter and the
/// data-order RNG state, in the run's precision.
public enum TrainingStateFile {
    public static let format = "lyap-train-state-1"

    public struct Contents<T: BinaryFloatingPoint & Sendable>: Sendable {
        public var state: TrainingState<T>
        public var dataOrder: LabRNG
        public var epoch: Int
    }

    public static func file<T: BinaryFloatingPoint & Sendable>(
        _ s: TrainingState<T>, dataOrder: LabRNG, epoch: Int, precision: RunConfig.Precision
    ) -> SafeTensorsFile {
        let l = s.params.layout
        var tensors: [String: SafeTensor] = [:]
        for slot in l.slots {
            tensors["adam.exp_avg." + slot.name] = ModelWeights.tensor(Array(s.m[slot.range]), shape: slot.shape, precision)
            tensors["adam.exp_avg_sq." + slot.name] = ModelWeights.tensor(Array(s.v[slot.range]), shape: slot.shape, precision)
        }
        tensors["adam.step"] = SafeTensor(int64s: [Int64(s.step)], shape: [1])
        tensors["rng.data_order"] = SafeTensor(int64s: dataOrder.stateWords.map { Int64(bitPattern: $0) }, shape: [4])
        tensors["train.epoch"] = SafeTensor(int64s: [Int64(epoch)], shape: [1])
        return SafeTensorsFile(tensors: tensors, metadata: ["format": format, "epoch": "\(epoch)"])
    }

    public static func read<T: BinaryFloatingPoint & Sendable>(
        path: String, params: ParameterStore<T>, as: T.Type = T.self
    ) throws -> Contents<T> {
        let f = try SafeTensorsFile.read(path: path)
        let l = params.layout
        var m = [T](repeating: 0, count: l.count), v = m
        for slot in l.slots {
            let a = try f.tensor("adam.exp_avg." + slot.name, dtype: nil, shape: slot.shape).asDoubles()
            let b = try f.tensor("adam.exp_avg_sq." + slot.name, dtype: nil, shape: slot.shape).asDoubles()
            for i in 0..<slot.count {
                m[slot.offset + i] = T(a[i])
                v[slot.offset + i] = T(b[i])
            }
        }
        let step = try f.tensor("adam.step", dtype: .i64, shape: [1]).asInt64s()[0]
        let words = try f.tensor("rng.data_order", dtype: .i64, shape: [4]).asInt64s().map { UInt64(bitPattern: $0) }
        let epoch = try f.tensor("train.epoch", dtype: .i64, shape: [1]).asInt64s()[0]
        guard step >= 0, epoch >= 0, let rng = LabRNG(state: words) else {
            throw SafeTensorsError(message: "\(path): invalid step, epoch or RNG state")
        }
        return Contents(state: TrainingState(params: params, m: m, v: v, step: Int(step)), dataOrder: rng, epoch: Int(epoch))
    }
}
