import LyapCore
import LyapCPU
import LyapData

/// Issue 14's shared pad prefix. With pre-padded batches every row starts from h = c = 0 and reads the pad id
/// until its first real token, so the CPU backend computes that prefix once per batch slice instead of once
/// per row. Exact: the same function and gradient, only the float summation order moves. Post-padded
/// batches have no pad prefix; Vulkan never shares. config.json records the choice (`sharedPadding`).
public enum SharedPadding {
    /// What a new run records: shared on the CPU with pre-padding, unless `--no-shared-padding`.
    public static func forNewRun(disabled: Bool, padding: Padding, backend: String) -> Bool {
        !disabled && padding == .pre && !backend.hasPrefix("vulkan")
    }

    /// The id whose leading runs are shared (`CPUBackend.sharedPadID`), nil for the unshared computation.
    public static func padID(shared: Bool, padding: Padding) -> Int32? {
        shared && padding == .pre ? Vocabulary.padID : nil
    }
}

/// How the CPU backend cuts a shared-prefix batch into its threads' slices: in batch order (runs that shared
/// before the balanced cut existed) or balanced by work (`SharedSlices`). Only the float summation order differs.
public enum SharedSliceRule: String, Codable, Sendable {
    case batchOrder = "batch-order"
    case balanced

    /// What a new run (or sweep) records: balanced when it shares the pad prefix, nothing otherwise.
    public static func forNewRun(shared: Bool?) -> SharedSliceRule? { shared == true ? .balanced : nil }
}

extension RunConfig {
    /// The run's slice rule (batch order for runs written before it was recorded).
    public var sharedSliceRule: SharedSliceRule { sharedSlices ?? .batchOrder }

    /// Whether the run shares the pad prefix (false for runs written before it was recorded).
    public var sharesPadPrefix: Bool { sharedPadding ?? false }

    /// The id the run's CPU backend shares, nil when it computes every row through its pads.
    public var sharedPadID: Int32? { SharedPadding.padID(shared: sharesPadPrefix, padding: conventions?.padding ?? .pre) }
}

/// Every CPU backend that trains or evaluates is built here, so none misses the shared pad prefix.
public enum CPUBackends {
    public static func make<T: CPUScalar>(_: T.Type, shape: ModelShape, threads: Int, biases: BiasLayout = .one,
                                          sharedPadID: Int32?, sliceRule: SharedSliceRule = .balanced) -> CPUBackend<T> {
        let b = CPUBackend<T>(shape: shape, threads: threads, biases: biases)
        b.sharedPadID = sharedPadID
        b.balancesSharedSlices = sliceRule == .balanced
        return b
    }

    /// The backend a run trains on: its shape, threads, bias layout, pad row, loss and pad sharing.
    public static func forRun<T: CPUScalar>(_ c: RunConfig, _: T.Type) -> CPUBackend<T> {
        let b = make(T.self, shape: c.model, threads: c.threads, biases: c.layout.biases, sharedPadID: c.sharedPadID,
                     sliceRule: c.sharedSliceRule)
        b.padRow = c.padRow
        b.loss = c.loss
        return b
    }
}
