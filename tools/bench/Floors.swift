import Foundation
import LyapCore
import LyapDynamics
import LyapCPUDynamics
import LyapVulkan
import LyapVulkanLSTM

/// `lyap-bench floors`: the arithmetic and memory floors of one training epoch on a GPU, from the kernels'
/// work model (`VulkanLSTMEnsemble.stepWork`, the work a profiled step records) and a device's peak rates.
/// No device is needed: it says how far from the floors any measured epoch is, and how many dependent
/// cell updates an epoch has, which no amount of parallel hardware removes.
enum Floors {
    static func run(_ arguments: [String]) {
        var widths = [8, 16, 32, 60, 128, 256, 512], models = [1]
        var batch = 32, seqLen = 500, embed = 32, vocab = 10000, trainSize = 25000, testSize = 25000
        var deviceName = "NVIDIA H100 80GB HBM3", gflops: Double?, gbps: Double?
        var checkpoints = 300, exponents = [1, 8]
        var args = arguments[...]
        while let a = args.popFirst() {
            func value() -> String {
                guard let v = args.popFirst() else { fail("floors: \(a) needs a value") }
                return v
            }
            func ints() -> [Int] {
                let v = value(), xs = v.split(separator: ",").compactMap { Int($0) }
                guard !xs.isEmpty, xs.allSatisfy({ $0 > 0 }) else { fail("floors: \(a) \(v) must be positive integers, comma-separated") }
                return xs
            }
            func positive() -> Double {
                let v = value()
                guard let x = Double(v), x > 0, x.isFinite else { fail("floors: \(a) \(v) must be a positive number") }
                return x
            }
            switch a {
            case "--widths": widths = ints()
            case "--models": models = ints()
            case "--batch": batch = ints()[0]
            case "--seq-len": seqLen = ints()[0]
            case "--train-size": trainSize = ints()[0]
            case "--test-size": testSize = ints()[0]
            case "--device-name": deviceName = value()
            case "--checkpoints": checkpoints = ints()[0]
            case "--exponents": exponents = ints()
            case "--peak-gflops": gflops = positive()
            case "--peak-gbps": gbps = positive()
            case "-h", "--help":
                print("""
                    usage: lyap-bench floors [--widths 8,...,512] [--models 1,32] [--batch 32] [--seq-len 500]
                                             [--train-size 25000] [--test-size 25000]
                                             [--device-name NAME | --peak-gflops G --peak-gbps B]
                                             [--checkpoints 300] [--exponents 1,8]
                      the floors of one epoch (training steps plus the test set's forward passes) from the datasheet
                      peaks of NAME (default NVIDIA H100 80GB HBM3; known: H100, H200, A100) or the given peaks, and of
                      the stability analysis of a run's checkpoints (the paper's protocol: 500 reviews, 1600 steps)
                    """)
                exit(0)
            default: fail("floors: unknown argument \(a)")
            }
        }
        let peaks: DevicePeaks
        switch (gflops, gbps) {
        case let (g?, b?): peaks = DevicePeaks(gflops: g, gigabytesPerSecond: b, source: "--peak-gflops and --peak-gbps")
        case (nil, nil):
            guard let p = DevicePeaks.datasheet(deviceName: deviceName) else {
                fail("floors: --device-name \(deviceName): no datasheet peaks known; pass --peak-gflops and --peak-gbps")
            }
            peaks = p
        default: fail("floors: give both --peak-gflops and --peak-gbps")
        }
        let trainBatches = batches(trainSize, batch), testBatches = batches(testSize, batch)
        print("floors at \(Int(peaks.gflops)) GFLOP/s and \(Int(peaks.gigabytesPerSecond)) GB/s (\(peaks.source))")
        print("one epoch: \(trainBatches.count) training steps and \(testBatches.count) forward passes (B=\(batch), L=\(seqLen), E=\(embed), V=\(vocab)); M models per step")
        print("| H | M | GFLOP/epoch | GB/epoch | alu floor ms | mem floor ms | floor ms/epoch | largest kernel floor | dependent cell updates |")
        print("|---:|---:|---:|---:|---:|---:|---:|---|---:|")
        for h in widths {
            let shape = ModelShape(vocab: vocab, embed: embed, hidden: h)
            for m in models {
                var total = KernelWork.none, floor = 0.0, byKernel: [String: Double] = [:]
                func add(_ dispatches: [(kernel: String, work: KernelWork)]) {
                    for d in dispatches {
                        total = total + d.work
                        floor += d.work.floorSeconds(peaks)
                        byKernel[d.kernel, default: 0] += d.work.floorSeconds(peaks)
                    }
                }
                for b in trainBatches { add(VulkanLSTMEnsemble.stepWork(shape: shape, models: m, batch: b, seqLen: seqLen)) }
                for b in testBatches {
                    add(VulkanLSTMEnsemble.stepWork(shape: shape, models: m, batch: b, seqLen: seqLen)
                        .filter { ["input_projection", "lstm_forward", "head_loss"].contains($0.kernel) })
                }
                let top = byKernel.max { $0.value < $1.value }!
                let serial = (2 * trainBatches.count + testBatches.count) * seqLen
                print(String(format: "| %d | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %@ %.0f%% | %d |", h, m, total.flops / 1e9, total.bytes / 1e9,
                             1e3 * total.flops / (peaks.gflops * 1e9), 1e3 * total.bytes / (peaks.gigabytesPerSecond * 1e9),
                             1e3 * floor, top.key, 100 * top.value / floor, serial))
            }
        }
        analysis(widths: widths, embed: embed, vocab: vocab, checkpoints: checkpoints, exponents: exponents, peaks: peaks)
    }

    /// The analysis floors next to the training epoch's (issue 4: a run's checkpoints in less than an epoch).
    static func analysis(widths: [Int], embed: Int, vocab: Int, checkpoints: Int, exponents: [Int], peaks: DevicePeaks) {
        print("\nthe stability analysis of \(checkpoints) checkpoints with the paper's protocol (\(AnalysisConfig().reviews) reviews, \(AnalysisConfig().steps) cell updates each)")
        print("| H | k | GFLOP | GB | floor ms | dependent cell updates |")
        print("|---:|---:|---:|---:|---:|---:|")
        for h in widths {
            for k in exponents {
                var c = AnalysisConfig()
                c.exponents = k
                let w = VulkanStabilityAnalysis.work(shape: ModelShape(vocab: vocab, embed: embed, hidden: h), checkpoints: checkpoints, config: c)
                print(String(format: "| %d | %d | %.0f | %.2f | %.1f | %d |", h, k, w.flops / 1e9, w.bytes / 1e9, 1e3 * w.floorSeconds(peaks), c.steps))
            }
        }
    }

    /// Batch sizes of one pass over n items: full batches and a shorter last one.
    static func batches(_ n: Int, _ b: Int) -> [Int] {
        Array(repeating: b, count: n / b) + (n % b > 0 ? [n % b] : [])
    }
}
