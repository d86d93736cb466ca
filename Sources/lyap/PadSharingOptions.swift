import ArgumentParser
import LyapCore
import LyapTraining

/// `--no-shared-padding`: the CPU backend runs every row through its pad prefix (the computation before
/// issue 14) instead of computing the pre-padded prefix once per batch slice.
struct PadSharingOptions: ParsableArguments {
    @Flag(name: .customLong("no-shared-padding"),
          help: "CPU: run every row through its leading pads instead of computing the pad prefix once per batch (exact either way; only float summation order differs). Post-padding and Vulkan never share.")
    var disabled = false

    /// What a new run (or an audit, eval or analysis) computes with on `backend` with `padding`.
    func shared(padding: Padding, backend: String = "cpu") -> Bool {
        SharedPadding.forNewRun(disabled: disabled, padding: padding, backend: backend)
    }

    /// The id the CPU backend shares, nil when it does not.
    func padID(padding: Padding) -> Int32? { SharedPadding.padID(shared: shared(padding: padding), padding: padding) }

    var given: [String] { disabled ? ["--no-shared-padding"] : [] }
}
