import Foundation
import Testing
import LyapTestSupport

/// The Vulkan backend through the CLI, on whatever Vulkan device the machine has (lavapipe in CI),
/// with validation on (CLI.defaultEnvironment sets LYAP_VALIDATE=1 for every command): training,
/// evaluation against the CPU backend, determinism, and the fallbacks.
@Suite(.serialized)
struct CLIVulkanTests {
    func testLoss(_ r: CLI.Result) -> Double? {
        r.stdout.split(separator: "\n").first { $0.hasPrefix("test:") }.flatMap { Double($0.split(separator: " ")[2]) }
    }

    @Test(.vulkanDevice)
    func vulkanTrainsAndAgreesWithTheCPUOnEval() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/vk"
        let r = try CLI.run(["train", "--out", out, "--epochs", "2", "--backend", "vulkan", "--validate", "--profile",
                             "--peak-gflops", "100", "--peak-gbps", "20"] + s.small)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("on vulkan:"))
        #expect(r.stdout.contains("lstm_forward") && r.stdout.contains("median us"), "no --profile table")
        #expect(r.stdout.contains("GB/s") && r.stdout.contains("bound") && r.stdout.contains("at 100 GFLOP/s and 20 GB/s"), "no floors")
        let half = try CLI.run(["train", "--out", s.dir + "/half", "--epochs", "1", "--backend", "vulkan", "--profile", "--peak-gbps", "20"] + s.small)
        #expect(half.status != 0 && half.stderrLines.count == 1 && half.stderr.contains("--peak-gbps needs --peak-gflops"), "\(half.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/half"))
        let config = try String(contentsOfFile: out + "/config.json", encoding: .utf8)
        #expect(config.contains("\"backend\" : \"vulkan: "))
        let ckpt = out + "/checkpoints/epoch-0002.safetensors"
        let gpu = try CLI.run(["eval", "--checkpoint", ckpt, "--backend", "vulkan", "--validate"])
        let cpu = try CLI.run(["eval", "--checkpoint", ckpt, "--backend", "cpu", "--precision", "float64"])
        #expect(gpu.status == 0 && cpu.status == 0, "\(gpu.stderr) \(cpu.stderr)")
        let a = try #require(testLoss(gpu)), b = try #require(testLoss(cpu))
        #expect(abs(a - b) <= 1e-5 + 1e-4 * abs(b), "vulkan \(a) vs cpu float64 \(b)")
    }

    @Test(.vulkanDevice)
    func twoVulkanRunsGiveIdenticalCheckpointsWhateverTheStepsPerSubmission() throws {
        let s = try Scratch()
        defer { s.remove() }
        for (d, per) in [("a", "1"), ("b", "2")] {
            let r = try CLI.run(["train", "--out", s.dir + "/" + d, "--epochs", "2", "--backend", "vulkan", "--steps-per-submit", per] + s.small)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let bad = try CLI.run(["train", "--out", s.dir + "/c", "--epochs", "2", "--backend", "vulkan", "--steps-per-submit", "0"] + s.small)
        #expect(bad.status != 0 && bad.stderr.contains("--steps-per-submit 0"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/c"))
        for f in ["epoch-0002.safetensors", "epoch-0002.state.safetensors"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: s.dir + "/a/checkpoints/" + f))
            let y = try Data(contentsOf: URL(fileURLWithPath: s.dir + "/b/checkpoints/" + f))
            #expect(x == y, "\(f) differs between two Vulkan runs")
        }
    }

    /// Interrupt and resume on the Vulkan backend: the same bits as an uninterrupted run.
    @Test(.vulkanDevice)
    func vulkanResumeIsBitwise() throws {
        let s = try Scratch()
        defer { s.remove() }
        let a = s.dir + "/a", b = s.dir + "/b"
        #expect(try CLI.run(["train", "--out", a, "--epochs", "3", "--checkpoint-every", "1", "--backend", "vulkan"] + s.small).status == 0)
        #expect(try CLI.run(["train", "--out", b, "--epochs", "2", "--checkpoint-every", "1", "--backend", "vulkan"] + s.small).status == 0)
        let r = try CLI.run(["train", "--out", b, "--resume", "--epochs", "3"])
        #expect(r.status == 0 && r.stdout.contains("on vulkan:"), "resume must stay on the run's backend: \(r.stdout) \(r.stderr)")
        for f in ["epoch-0003.safetensors", "epoch-0003.state.safetensors"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/checkpoints/" + f))
            let y = try Data(contentsOf: URL(fileURLWithPath: b + "/checkpoints/" + f))
            #expect(x == y, "\(f) differs after a Vulkan resume")
        }
    }

    /// `lyap analyze --backend vulkan` against the CPU backend on the same checkpoint.
    @Test(.vulkanDevice)
    func analyzeOnVulkanAgreesWithTheCPU() throws {
        let s = try Scratch()
        defer { s.remove() }
        #expect(try CLI.run(["train", "--out", s.dir + "/run", "--epochs", "1", "--backend", "cpu"] + s.small).status == 0)
        let ckpt = s.dir + "/run/checkpoints/epoch-0001.safetensors"
        let common = ["analyze", "--checkpoint", ckpt, "--reviews", "6", "--drive", "12", "--steps", "200", "--transient", "50",
                      "--exponents", "3"]
        var values: [String: Double] = [:]
        for b in ["cpu", "vulkan"] {
            let json = s.dir + "/\(b).json"
            let r = try CLI.run(common + ["--backend", b, "--json", json] + (b == "vulkan" ? ["--validate", "--profile"] : []))
            #expect(r.status == 0, "\(b): \(r.stderr)")
            if b == "vulkan" { #expect(r.stdout.contains("lstm_tangent") && r.stdout.contains("GFLOP/s"), "no --profile table") }
            let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
            values[b] = try #require(obj["max_exponent"] as? Double)
        }
        print("parity CLIVulkanTests.analyzeOnVulkanAgreesWithTheCPU: |Δ mean λ1| \(abs(values["cpu"]! - values["vulkan"]!))")
        // float32 on both (the CPU's default precision): ~20x lavapipe's difference (docs/parity-bounds.md).
        #expect(abs(values["cpu"]! - values["vulkan"]!) < 5e-7, "\(values)")
        // --steps-per-dispatch splits the loop differently; the results are the same bits.
        let split = try CLI.run(common + ["--backend", "vulkan", "--steps-per-dispatch", "7", "--json", s.dir + "/split.json"])
        #expect(split.status == 0, "\(split.stderr)")
        let a = try String(contentsOfFile: s.dir + "/vulkan.json", encoding: .utf8)
        let b = try String(contentsOfFile: s.dir + "/split.json", encoding: .utf8)
        #expect(a.replacingOccurrences(of: "vulkan.json", with: "") == b.replacingOccurrences(of: "split.json", with: ""))
    }

    /// LYAP_DISPATCH_LOG lists every dispatch with its labels: per pipeline as many as the profiler timed,
    /// each step's kernels under its forward, backward and adam labels.
    @Test(.vulkanDevice)
    func dispatchLogListsWhatTheProfilerTimed() throws {
        let s = try Scratch()
        defer { s.remove() }
        let log = s.dir + "/dispatches.log"
        let r = try CLI.run(["train", "--out", s.dir + "/run", "--epochs", "2", "--backend", "vulkan", "--profile"] + s.small,
                            environment: ["LYAP_DISPATCH_LOG": log])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(!lines.isEmpty && lines.allSatisfy { $0.count == 2 }, "\(lines.prefix(3))")
        var logged: [String: Int] = [:]
        for l in lines where l.count == 2 { logged[l[1], default: 0] += 1 }
        var profiled: [String: Int] = [:]
        for row in r.stdout.split(separator: "\n") {
            let f = row.split(separator: " ")
            if f.count > 2, let name = f.first, logged[String(name)] != nil || name.contains(".wg"), let calls = Int(f[1]) { profiled[String(name)] = calls }
        }
        #expect(!profiled.isEmpty && logged == profiled, "log \(logged) vs --profile \(profiled)")
        let section = ["adam": "adam", "lstm_backward": "backward", "lstm_forward": "forward"]
        for l in lines where l.count == 2 {
            let kernel = String(l[1].prefix { $0 != "." })
            if let want = section[kernel], kernel != "lstm_forward" { #expect(l[0] == want, "\(l)") }
        }
        #expect(lines.first == ["forward", lines.first?[1] ?? ""] && lines.first?[1].hasPrefix("input_projection.") == true, "\(lines.first ?? [])")
    }

    /// Any validation message fails the command with one line naming the counts and the first message,
    /// before a run directory is written, whether --validate or LYAP_VALIDATE=1 turned validation on. It comes from
    /// the test hook LYAP_TEST_VALIDATION_MESSAGE (sent through the messenger when the context is created).
    @Test(.vulkanDevice)
    func aValidationMessageFailsTheCommand() throws {
        let s = try Scratch()
        defer { s.remove() }
        let train = ["train", "--epochs", "1", "--backend", "vulkan"] + s.small
        let hook = ["LYAP_TEST_VALIDATION_MESSAGE": "deliberate message from the test"]
        let flag = try CLI.run(train + ["--out", s.dir + "/flag", "--validate"], environment: hook.merging(["LYAP_VALIDATE": "0"]) { $1 })
        #expect(flag.status != 0 && flag.stderrLines.count == 1, "\(flag.stderr)")
        #expect(flag.stderr.hasPrefix("lyap: error: Vulkan validation reported 1 error and 0 warnings; first: LYAP-test-message: deliberate message from the test"),
                "\(flag.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/flag"), "a failed command left a run directory")
        let env = try CLI.run(train + ["--out", s.dir + "/env"], environment: hook)
        #expect(env.status != 0 && env.stderr == flag.stderr, "\(env.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/env"))
        // Without validation there is no messenger: the hook does nothing and the same command trains.
        let off = try CLI.run(train + ["--out", s.dir + "/off"], environment: hook.merging(["LYAP_VALIDATE": "0"]) { $1 })
        #expect(off.status == 0, "\(off.stderr)")
        // eval goes through the same check.
        let ckpt = s.dir + "/off/checkpoints/epoch-0001.safetensors"
        let eval = try CLI.run(["eval", "--checkpoint", ckpt, "--backend", "vulkan"], environment: hook)
        #expect(eval.status != 0 && eval.stderr.contains("Vulkan validation reported 1 error"), "\(eval.stderr)")
    }

    @Test(.vulkanDevice)
    func autoNeverPicksACPUTypeDevice() throws {
        let s = try Scratch()
        defer { s.remove() }
        let r = try CLI.run(["train", "--out", s.dir + "/auto", "--epochs", "1"] + s.small)
        #expect(r.status == 0)
        // CI's only Vulkan device is lavapipe, a CPU-type device: auto must say it took the CPU.
        let devices = try CLI.run(["devices"]).stdout
        if !devices.contains("[discreteGPU]") && !devices.contains("[integratedGPU]") {
            #expect(r.stdout.contains("backend auto: no GPU"), "\(r.stdout)")
            #expect(r.stdout.contains("on cpu"))
        }
    }

    /// Without the Vulkan loader library at all (LYAP_VULKAN_LIBRARY points nowhere): lyap still starts,
    /// lists the CPU, and trains on it.
    @Test func noLoaderStillTrainsOnTheCPU() throws {
        let s = try Scratch()
        defer { s.remove() }
        let env = ["LYAP_VULKAN_LIBRARY": "/nonexistent/libvulkan.so.1"]
        let r = try CLI.run(["train", "--out", s.dir + "/run", "--epochs", "1"] + s.small, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Vulkan unavailable") && r.stdout.contains("on cpu"))
        let d = try CLI.run(["devices"], environment: env)
        #expect(d.status == 0 && d.stdout.contains("cpu ") && d.stdout.contains("vulkan   unavailable"))
    }

    /// Without a driver: auto falls back with one line and trains; vulkan fails with one clear line.
    @Test func noDriverFallsBackOrFailsClearly() throws {
        let s = try Scratch()
        defer { s.remove() }
        let env = ["VK_DRIVER_FILES": "/nonexistent/icd.json", "VK_ICD_FILENAMES": "/nonexistent/icd.json"]
        let auto = try CLI.run(["train", "--out", s.dir + "/auto", "--epochs", "1"] + s.small, environment: env)
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(auto.stdout.contains("backend auto: Vulkan unavailable"), "\(auto.stdout)")
        let vk = try CLI.run(["train", "--out", s.dir + "/vk", "--epochs", "1", "--backend", "vulkan"] + s.small, environment: env)
        #expect(vk.status != 0)
        #expect(vk.stderrLines.count == 1 && vk.stderr.contains("--backend vulkan"), "\(vk.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/vk"))
        let devices = try CLI.run(["devices"], environment: env)
        #expect(devices.status == 0 && devices.stdout.contains("vulkan   unavailable"))
    }

    @Test(.vulkanDevice)
    func badDeviceIndexAndBrokenShaderAreOneLineErrors() throws {
        let s = try Scratch()
        defer { s.remove() }
        let bad = try CLI.run(["train", "--out", s.dir + "/x", "--epochs", "1", "--backend", "vulkan", "--device", "7"] + s.small)
        #expect(bad.status != 0 && bad.stderrLines.count == 1 && bad.stderr.contains("--device 7"), "\(bad.stderr)")
        // A kernel with a syntax error, read from LYAP_SHADER_DIR.
        let shaders = ShaderSetTestsPath.shaders
        let broken = s.dir + "/shaders"
        try FileManager.default.copyItem(atPath: shaders, toPath: broken)
        let k = broken + "/lstm_forward.comp"
        try (try String(contentsOfFile: k, encoding: .utf8)).replacingOccurrences(of: "shared float cS[HID];", with: "shared float cS[HID]")
            .write(toFile: k, atomically: true, encoding: .utf8)
        let r = try CLI.run(["train", "--out", s.dir + "/y", "--epochs", "1", "--backend", "vulkan"] + s.small,
                            environment: ["LYAP_SHADER_DIR": broken])
        #expect(r.status != 0 && r.stderrLines.count == 1, "\(r.stderr)")
        // The kernel, its defines (H=5 keeps rows of Wh in registers) and the line.
        #expect(r.stderr.contains("shader lstm_forward.comp (ROWREG=1): lstm_forward.comp:"), "\(r.stderr)")
        let line = try String(contentsOfFile: ShaderSetTestsPath.shaders + "/lstm_forward.comp", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("shared float aS") }.map { $0 + 1 }
        #expect(line.map { r.stderr.contains("lstm_forward.comp:\($0):") } == true, "the error names line \(line ?? 0): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/y"))
    }
}

/// What `lyap devices` says, and what the binary links: no test here needs a Vulkan device to run the
/// binary, but the listing is checked field by field when there is one.
@Suite struct CLIDevicesTests {
    /// `vulkan   --device N: NAME [TYPE], driver DRIVER, Vulkan X.Y.Z, subgroup S, M GiB device memory[ (CPU device: ...)]`
    static let deviceLine = #"^vulkan   --device (\d+): (.+) \[(\w+)\], driver (.+), Vulkan (\d+\.\d+\.\d+), subgroup (\d+), (\d+\.\d) GiB device memory( \(CPU device: auto does not pick it\))?$"#
    static let lavapipeInstalled = FileManager.default.fileExists(atPath: "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json")

    @Test(.vulkanDevice)
    func devicesListsTypeDriverSubgroupAndMemory() throws {
        let r = try CLI.run(["devices"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("vulkan ") }
        #expect(!lines.isEmpty, "\(r.stdout)")
        let pattern = try Regex(Self.deviceLine)
        var lavapipe: [String] = []
        for (i, line) in lines.enumerated() {
            let m = try #require(try pattern.wholeMatch(in: line), "not a device line: \(line)")
            func field(_ k: Int) -> String { m.output[k].substring.map(String.init) ?? "" }
            #expect(field(1) == "\(i)", "devices are numbered 0, 1, ... as --device takes them: \(line)")
            #expect(["discreteGPU", "integratedGPU", "virtualGPU", "cpu", "other"].contains(field(3)), "\(line)")
            #expect(!field(4).isEmpty, "\(line)")
            let subgroup = try #require(Int(field(6)))
            #expect(subgroup > 0 && subgroup & (subgroup - 1) == 0, "subgroup size \(subgroup) is not a power of two: \(line)")
            #expect(try #require(Double(field(7))) > 0, "no device memory: \(line)")
            #expect((field(3) == "cpu") == !field(8).isEmpty, "only CPU-type devices carry the auto note: \(line)")
            if field(2).hasPrefix("llvmpipe") {
                lavapipe.append(line)
                #expect(field(3) == "cpu" && field(4).hasPrefix("llvmpipe Mesa "), "\(line)")
                // llvmpipe's subgroup is one SIMD register of 32-bit lanes: "(LLVM 15.0.6, 256 bits)" -> 8.
                let bits = try #require(field(2).split(separator: " ").firstIndex(of: "bits)").map { field(2).split(separator: " ")[$0 - 1] })
                #expect(subgroup == (Int(bits) ?? 0) / 32, "\(line)")
            }
        }
        if Self.lavapipeInstalled { #expect(lavapipe.count == 1, "lavapipe is installed but not listed once: \(r.stdout)") }
    }

    /// The Vulkan loader is opened at run time, and shaderc is linked statically: the binary starts on
    /// a machine without libvulkan.so.1.
    @Test func lyapIsNotLinkedAgainstVulkanOrShaderc() throws {
        #if os(Linux)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        p.arguments = [CLI.binary]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 && text.contains("libc.so"), "ldd \(CLI.binary): \(text)")
        #expect(!text.contains("libvulkan"), "\(text)")
        #expect(!text.contains("libshaderc"), "\(text)")
        #expect(!text.contains("not found"), "\(text)")
        #endif
    }
}

enum ShaderSetTestsPath {
    static let shaders = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shaders").path
}
