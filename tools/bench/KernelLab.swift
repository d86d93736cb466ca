import Foundation
import LyapCore
import LyapVulkan
import LyapVulkanLSTM

/// `--configs`: at each width, every distinct kernel configuration the spec resolves to is first checked
/// against the CPU float64 backend (LabCheck) and, if it passes, timed like the plain Vulkan benchmark.
/// Rows are printed as they are measured.
struct KernelLab {
    let o: Options
    let vulkan: (VulkanContext, ShaderCompiler)
    let configs: [KernelConfig]

    func run() {
        let info = vulkan.0.info
        // Sizes the device cannot take are bad input at every width; only rowreg=on depends on the width.
        for c in configs {
            do { _ = try KernelConfig(flatWorkgroup: c.flatWorkgroup, persistentWorkgroup: c.persistentWorkgroup).resolved(hidden: 1, device: info) }
            catch { fail("--configs: \(error)") }
        }
        print("kernel lab: B=\(o.batch) L=\(o.seqLen) E=\(o.embed) V=\(o.vocab), \(o.models) model(s) per step, \(o.stepsPerSubmit) steps per submission")
        print("check: \(LabCheck.summary); a FAILED configuration is not timed")
        print("time: median of 20 submissions (5 for H>=256) after 2 warm-up, ms/step = a submission's time / \(o.stepsPerSubmit)\(o.profile ? ", timestamp queries on (--profile)" : "")")
        print("| H | requested | flat | persistent | ROWREG | check (worst abs. difference) | ms/step |")
        print("|---:|---|---:|---:|---|---|---:|")
        var profiles: [String] = []
        for h in o.widths {
            let p = BenchProblem(hidden: h, o)
            let reference: LabCheck
            do { reference = try LabCheck(p, threads: o.threads) } catch { fail("H=\(h): the CPU float64 reference failed: \(error)") }
            // One row per distinct configuration at this width (the first request that gives it names it),
            // and one per request that is not possible here.
            var distinct: [(r: KernelConfig.Resolved, c: KernelConfig, also: Int)] = []
            for c in configs {
                do {
                    let r = try c.resolved(hidden: h, device: info)
                    if let i = distinct.firstIndex(where: { $0.r == r }) { distinct[i].also += 1 } else { distinct.append((r, c, 0)) }
                } catch { row(h, "\(c)", nil, "not run: \(error)", nil) }
            }
            for (r, c, also) in distinct {
                let requested = "\(c)" + (also > 0 ? " (+\(also) equivalent)" : "")
                do {
                    let e = try benchEnsemble(p, o, vulkan, kernels: c)
                    let check = try reference.run(e, p)
                    let ms = check.passed ? try vulkanStepMs(e, p.batch, o) : nil
                    row(h, requested, r, check.text, ms)
                    if o.profile && check.passed {
                        profiles.append("GPU time per kernel at H=\(h), \(r) (check, warm-up and timed steps):\n" + e.kernelProfile.table(peaks: DevicePeaks.datasheet(deviceName: info.name)))
                    }
                } catch { row(h, requested, r, "not run: \(error)", nil) }
            }
        }
        for table in profiles { print("\n" + table) }
    }

    private func row(_ h: Int, _ requested: String, _ r: KernelConfig.Resolved?, _ check: String, _ ms: Double?) {
        let sizes = r.map { ["\($0.flatWorkgroup)", "\($0.persistentWorkgroup)", $0.rowsInRegisters ? "on" : "off"] } ?? ["", "", ""]
        let time = ms.map { String(format: "%.2f", $0) } ?? ""
        print("| \(h) | \(requested) | " + sizes.joined(separator: " | ") + " | \(check) | \(time) |")
        fflush(nil)
    }
}
