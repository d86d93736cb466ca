import Foundation

/// One timed dispatch: its pipeline, GPU time from timestamp queries, and the work it was recorded with.
public struct DispatchTiming: Sendable, Equatable {
    public let pipeline: String
    public let nanoseconds: Double
    public let work: KernelWork

    public init(pipeline: String, nanoseconds: Double, work: KernelWork = .none) {
        self.pipeline = pipeline
        self.nanoseconds = nanoseconds
        self.work = work
    }
}

/// The `--profile` table: dispatch timings aggregated by pipeline name over one or more submits, with
/// achieved rates and, given the device's peaks, how close each kernel comes to its floor.
public struct KernelProfile: Sendable {
    public struct Row: Sendable {
        public let pipeline: String
        public let calls: Int
        public let totalMilliseconds: Double
        public let medianMicroseconds: Double
        public let meanMicroseconds: Double
        /// Work summed over the calls.
        public let work: KernelWork
        /// Σ per-call floors (seconds) at the peaks given to `rows(peaks:)`; nil without peaks.
        public let floorSeconds: Double?

        public var gflopsPerSecond: Double { totalMilliseconds > 0 ? work.flops / (totalMilliseconds * 1e6) : 0 }
        public var gigabytesPerSecond: Double { totalMilliseconds > 0 ? work.bytes / (totalMilliseconds * 1e6) : 0 }
        /// Floor time over measured time: 100% would be a kernel at the device's peak.
        public var percentOfFloor: Double? { floorSeconds.map { totalMilliseconds > 0 ? 100 * $0 / (totalMilliseconds / 1e3) : 0 } }
    }

    private struct Samples {
        var nanoseconds: [Double] = []
        var work: [KernelWork] = []
    }
    private var samples: [String: Samples] = [:]
    private var order: [String] = []

    public init() {}

    public init(_ timings: [DispatchTiming]) {
        add(timings)
    }

    public mutating func add(_ timings: [DispatchTiming]) {
        for t in timings {
            if samples[t.pipeline] == nil { order.append(t.pipeline) }
            samples[t.pipeline, default: Samples()].nanoseconds.append(t.nanoseconds)
            samples[t.pipeline]!.work.append(t.work)
        }
    }

    /// Largest total time first. With `peaks`, each row carries the sum of its calls' floors.
    public func rows(peaks: DevicePeaks? = nil) -> [Row] {
        order.compactMap { name -> Row? in
            guard let s = samples[name], !s.nanoseconds.isEmpty else { return nil }
            let total = s.nanoseconds.reduce(0, +)
            let floor = peaks.map { p in s.work.reduce(0.0) { $0 + $1.floorSeconds(p) } }
            return Row(pipeline: name, calls: s.nanoseconds.count, totalMilliseconds: total / 1e6,
                       medianMicroseconds: Self.median(s.nanoseconds) / 1e3, meanMicroseconds: total / Double(s.nanoseconds.count) / 1e3,
                       work: s.work.reduce(.none, +), floorSeconds: floor)
        }.sorted { $0.totalMilliseconds > $1.totalMilliseconds }
    }

    public var rows: [Row] { rows() }

    public var totalMilliseconds: Double { rows.reduce(0) { $0 + $1.totalMilliseconds } }

    /// A fixed-width table: pipeline, calls, total ms, share, median us, GFLOP/s, GB/s, and with peaks the
    /// floor as a percentage of the measured time and which floor (alu or mem) is the larger.
    public func table(peaks: DevicePeaks? = nil) -> String {
        let r = rows(peaks: peaks)
        let total = max(r.reduce(0) { $0 + $1.totalMilliseconds }, .leastNonzeroMagnitude)
        let width = max(8, r.map(\.pipeline.count).max() ?? 0)
        var header = Self.pad("pipeline", width, left: true) + "  " + Self.pad("calls", 7) + "  " + Self.pad("total ms", 10) + "  "
            + Self.pad("share", 6) + "  " + Self.pad("median us", 10) + "  " + Self.pad("GFLOP/s", 9) + "  " + Self.pad("GB/s", 8)
        if peaks != nil { header += "  " + Self.pad("floor", 7) + "  bound" }
        var lines = [header]
        for row in r {
            var line = Self.pad(row.pipeline, width, left: true) + "  " + Self.pad(String(row.calls), 7) + "  "
                + Self.pad(Self.fixed(row.totalMilliseconds, 3), 10) + "  " + Self.pad(Self.fixed(100 * row.totalMilliseconds / total, 1) + "%", 6) + "  "
                + Self.pad(Self.fixed(row.medianMicroseconds, 1), 10) + "  " + Self.pad(Self.fixed(row.gflopsPerSecond, 1), 9) + "  "
                + Self.pad(Self.fixed(row.gigabytesPerSecond, 1), 8)
            if let p = peaks, let percent = row.percentOfFloor {
                line += "  " + Self.pad(Self.fixed(percent, 1) + "%", 7) + "  " + (row.work.isMemoryBound(p) ? "mem" : "alu")
            }
            lines.append(line)
        }
        if let p = peaks {
            let floor = r.reduce(0) { $0 + ($1.floorSeconds ?? 0) }
            lines.append("all kernels: \(Self.fixed(total, 3)) ms measured, floor \(Self.fixed(floor * 1e3, 3)) ms "
                + "(\(Self.fixed(100 * floor * 1e3 / total, 1))%) at \(Self.fixed(p.gflops, 0)) GFLOP/s and \(Self.fixed(p.gigabytesPerSecond, 0)) GB/s (\(p.source))")
        } else {
            lines.append("all kernels: \(Self.fixed(total, 3)) ms measured (no peak rates for this device: pass --peak-gflops and --peak-gbps for floors)")
        }
        return lines.joined(separator: "\n")
    }

    /// `table()` without floors.
    public var table: String { table() }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    private static func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
        s.count >= n ? s : (left ? s + String(repeating: " ", count: n - s.count) : String(repeating: " ", count: n - s.count) + s)
    }

    private static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}
