import LyapCore
import LyapVulkan

/// How the training kernels are launched: the workgroup size of the 1-D grid-stride kernels, that of the
/// persistent per-sequence kernels (lstm_forward, lstm_backward), and whether those keep rows of Wh in
/// registers (ROWREG). `KernelConfig()` is the automatic choice; `lyap-bench train-step --configs` times
/// others against it.
public struct KernelConfig: Sendable, Equatable, CustomStringConvertible {
    public enum RowsInRegisters: String, Sendable, CaseIterable { case auto, on, off }

    /// Invocations per workgroup of the grid-stride kernels (they bound-check, so any size the device takes).
    public var flatWorkgroup: Int
    /// Invocations per workgroup of the persistent kernels; nil: `LSTMKernels.persistentSize` (one per gate
    /// row, a multiple of 32 from 32 to 256). Smaller than 4H is allowed: the kernels loop over the rows.
    public var persistentWorkgroup: Int?
    /// auto: `LSTMKernels.rowsInRegisters`; on is legal only where that rule allows it.
    public var rowsInRegisters: RowsInRegisters

    public init(flatWorkgroup: Int = 64, persistentWorkgroup: Int? = nil, rowsInRegisters: RowsInRegisters = .auto) {
        self.flatWorkgroup = flatWorkgroup
        self.persistentWorkgroup = persistentWorkgroup
        self.rowsInRegisters = rowsInRegisters
    }

    /// "flat=64 persistent=auto rowreg=auto": the lab's spelling.
    public var description: String {
        "flat=\(flatWorkgroup) persistent=\(persistentWorkgroup.map(String.init) ?? "auto") rowreg=\(rowsInRegisters.rawValue)"
    }

    /// The sizes and ROWREG choice at width H on a device; a ConfigError naming the setting where one is not
    /// possible there, or where H needs more shared memory than the device has (a pipeline-creation failure,
    /// or a crash in some drivers, otherwise).
    public func resolved(hidden H: Int, device: VulkanDeviceInfo) throws -> Resolved {
        let largest = min(device.maxWorkgroupInvocations, device.maxWorkgroupSize.x)
        guard (1...largest).contains(flatWorkgroup) else {
            throw ConfigError("flat workgroup \(flatWorkgroup) is outside 1...\(largest), the largest workgroup \(device.name) takes")
        }
        let persistent = persistentWorkgroup ?? LSTMKernels.persistentSize(hidden: H, device: device)
        guard persistent >= 32, persistent <= largest else {
            throw ConfigError("persistent workgroup \(persistent) is outside 32...\(largest) (32 up to the largest workgroup \(device.name) takes)")
        }
        let fits = LSTMKernels.rowsInRegisters(hidden: H, workgroup: persistent)
        if rowsInRegisters == .on && !fits {
            throw ConfigError("rows in registers (rowreg=on) needs H <= 64 and 4H <= the persistent workgroup; H=\(H), 4H=\(4 * H), workgroup \(persistent)")
        }
        let rowreg = rowsInRegisters == .auto ? fits : rowsInRegisters == .on
        let shared = LSTMKernels.sharedBytes(hidden: H, rowsInRegisters: rowreg)
        guard shared <= device.maxComputeSharedMemorySize else {
            throw ConfigError("H=\(H) needs \(shared) bytes of shared memory per workgroup in lstm_forward/lstm_backward; \(device.name) has \(device.maxComputeSharedMemorySize)")
        }
        return Resolved(flatWorkgroup: flatWorkgroup, persistentWorkgroup: persistent, rowsInRegisters: rowreg)
    }

    /// A configuration at one width: what the pipelines are built with.
    public struct Resolved: Sendable, Equatable, Hashable, CustomStringConvertible {
        public let flatWorkgroup: Int, persistentWorkgroup: Int, rowsInRegisters: Bool

        public init(flatWorkgroup: Int, persistentWorkgroup: Int, rowsInRegisters: Bool) {
            self.flatWorkgroup = flatWorkgroup
            self.persistentWorkgroup = persistentWorkgroup
            self.rowsInRegisters = rowsInRegisters
        }

        public var description: String { "flat=\(flatWorkgroup) persistent=\(persistentWorkgroup) rowreg=\(rowsInRegisters ? "on" : "off")" }
    }
}
