/// What one dispatch must do at least: floating-point operations (a multiply-add counts 2) and bytes
/// that must cross device memory at least once (compulsory reads and writes; reuse through caches is
/// not counted twice). With a device's peak rates this gives the dispatch's arithmetic and memory floors,
/// the shortest time any kernel could take for the same work.
public struct KernelWork: Sendable, Equatable {
    public var flops: Double
    public var bytes: Double

    public init(flops: Double = 0, bytes: Double = 0) {
        self.flops = flops
        self.bytes = bytes
    }

    public static let none = KernelWork()

    public static func + (a: KernelWork, b: KernelWork) -> KernelWork {
        KernelWork(flops: a.flops + b.flops, bytes: a.bytes + b.bytes)
    }

    /// Work of `floats` float32 values read or written once.
    public static func floats(_ n: Int) -> KernelWork { KernelWork(bytes: 4 * Double(n)) }

    /// Work of n multiply-adds.
    public static func multiplyAdds(_ n: Int) -> KernelWork { KernelWork(flops: 2 * Double(n)) }

    /// Work of n single operations (adds, compares).
    public static func operations(_ n: Int) -> KernelWork { KernelWork(flops: Double(n)) }

    /// The shorter of the two floors cannot be beaten; the longer one is the floor (seconds).
    public func floorSeconds(_ peaks: DevicePeaks) -> Double {
        max(flops / (peaks.gflops * 1e9), bytes / (peaks.gigabytesPerSecond * 1e9))
    }

    /// Whether the memory floor is the larger one.
    public func isMemoryBound(_ peaks: DevicePeaks) -> Bool {
        bytes / (peaks.gigabytesPerSecond * 1e9) >= flops / (peaks.gflops * 1e9)
    }
}

/// A device's peak float32 rate and memory bandwidth, for the floors in `--profile` tables.
public struct DevicePeaks: Sendable, Equatable {
    public let gflops: Double
    public let gigabytesPerSecond: Double
    /// Where the numbers come from, printed with the table.
    public let source: String

    public init(gflops: Double, gigabytesPerSecond: Double, source: String) {
        self.gflops = gflops
        self.gigabytesPerSecond = gigabytesPerSecond
        self.source = source
    }

    /// Datasheet peaks (non-tensor-core FP32 at boost clock, HBM bandwidth) of the GPUs this project is
    /// measured on, matched by the device name the Vulkan driver reports. Boost-clock peaks make the
    /// floors optimistic, which is what a floor should be. Unknown devices get nil: pass the numbers.
    public static func datasheet(deviceName name: String) -> DevicePeaks? {
        let known: [(match: String, gflops: Double, gbps: Double)] = [
            ("H200", 66_900, 4_800),
            ("H100 NVL", 60_000, 3_900),
            ("H100 PCIe", 51_200, 2_000),
            ("H100 80GB HBM3", 66_900, 3_350),  // SXM5
            ("A100-SXM4-80GB", 19_500, 2_039),
            ("A100 80GB PCIe", 19_500, 1_935),
            ("A100-SXM4-40GB", 19_500, 1_555),
            ("A100-PCIE-40GB", 19_500, 1_555),
        ]
        guard let k = known.first(where: { name.contains($0.match) }) else { return nil }
        return DevicePeaks(gflops: k.gflops, gigabytesPerSecond: k.gbps, source: "NVIDIA datasheet for \(k.match)")
    }
}
