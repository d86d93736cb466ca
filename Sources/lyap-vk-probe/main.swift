// lyap-vk-probe: prints the Vulkan devices, or why there are none, and exits 0 (or 2 on failure).
//
//   lyap-vk-probe                    one line per device ("device 0: ...")
//   lyap-vk-probe --context          also opens a context on the default device (LYAP_VALIDATE is honoured)
//   lyap-vk-probe --selftest [N]     runs y = a*x + y twice on device N (default: the default device),
//                                    compares with the CPU and prints dispatch timings
//   lyap-vk-probe --compile-timing   times shader compiles: cold, warm, memory cache, disk cache
//
// The tests run it as a subprocess with a broken environment (no driver, no loader, no validation
// layer), because the Vulkan loader reads its environment variables once, when it is loaded. On a
// GPU machine, `--selftest` is the quickest end-to-end check of the device path.
import LyapVulkan

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func fail(_ message: String) -> Never {
    var bytes = Array("lyap-vk-probe: \(message)\n".utf8)
    _ = write(2, &bytes, bytes.count)
    exit(2)
}

func seconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

let kernels: [String: String] = [
    "include/params.glsl": """
        struct Params { float a; uint n; };
        """,
    "saxpy.comp": """
        #version 450
        #include "include/params.glsl"
        layout(local_size_x_id = 0) in;
        layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
        layout(std430, set = 0, binding = 1) buffer Y { float y[]; };
        layout(push_constant) uniform Push { Params p; };
        void main() {
            uint i = gl_GlobalInvocationID.x;
            if (i < p.n) y[i] = p.a * x[i] + y[i] + float(EXTRA);
        }
        """,
]

struct Push {
    var a: Float
    var n: UInt32
}

func compileTiming() {
    let dir = "/tmp/lyap-vk-probe-\(getpid())"
    defer { _ = system("rm -rf '\(dir)'") }
    do {
        let c = ShaderCompiler(sources: kernels, cacheDirectory: dir)
        var t = seconds()
        _ = try c.compile("saxpy.comp", defines: ["EXTRA": "0"])
        let cold = seconds() - t
        t = seconds()
        _ = try c.compile("saxpy.comp", defines: ["EXTRA": "1"])
        let warm = seconds() - t
        t = seconds()
        _ = try c.compile("saxpy.comp", defines: ["EXTRA": "1"])
        let memory = seconds() - t
        t = seconds()
        _ = try ShaderCompiler(sources: kernels, cacheDirectory: dir).compile("saxpy.comp", defines: ["EXTRA": "1"])
        let disk = seconds() - t
        func ms(_ s: Double) -> String { String(Double(Int(s * 1e5)) / 100) + " ms" }
        print("compile saxpy.comp: first in process \(ms(cold)), new defines \(ms(warm)), memory cache \(ms(memory)), disk cache \(ms(disk))")
    } catch {
        fail("\(error)")
    }
}

func selftest(_ index: Int?) {
    do {
        let ctx = try VulkanContext.create(deviceIndex: index, options: .fromEnvironment())
        let spirv = try ShaderCompiler(sources: kernels, cacheDirectory: nil).compile("saxpy.comp", defines: ["EXTRA": "0"])
        let wg = UInt32(min(256, ctx.info.maxWorkgroupInvocations))
        let pipeline = try ComputePipeline(ctx, name: "saxpy.wg\(wg)", spirv: spirv, bindings: 2,
                                           pushConstantBytes: MemoryLayout<Push>.size, specialization: [wg])
        let n = 1_000_003
        let x = (0..<n).map { Float($0 % 1024) }, y = (0..<n).map { Float($0 % 77) - 30 }
        let xb = try DeviceBuffer(ctx, count: n, of: Float.self, name: "x")
        let yb = try DeviceBuffer(ctx, count: n, of: Float.self, name: "y")
        try xb.upload(x)
        try yb.upload(y)
        let seq = try CommandSequence(ctx, profile: true)
        let push = Push(a: 0.5, n: UInt32(n))
        try seq.dispatch(pipeline, buffers: [xb, yb], push: push, groups: (CommandSequence.groups(n, per: Int(wg)), 1, 1))
        seq.barrier()
        try seq.dispatch(pipeline, buffers: [xb, yb], push: push, groups: (CommandSequence.groups(n, per: Int(wg)), 1, 1))
        try seq.submitAndWait()
        let got = try yb.download(Float.self, count: n)
        let bad = (0..<n).filter { got[$0] != 0.5 * x[$0] + (0.5 * x[$0] + y[$0]) }.count
        print("selftest on \(ctx.info.name): \(bad == 0 ? "ok" : "\(bad) of \(n) values wrong"), buffers \(xb.isMapped ? "mapped" : "staged"), "
              + "validation \(ctx.options.validation ? "\(ctx.validationErrors) errors, \(ctx.validationWarnings) warnings" : "off")")
        print(KernelProfile(seq.timings).table)
        if bad != 0 || ctx.validationErrors != 0 { exit(1) }
    } catch {
        fail("\(error)")
    }
}

let args = Array(CommandLine.arguments.dropFirst())
if args.first == "--compile-timing" {
    compileTiming()
    exit(0)
}
switch Vulkan.devices() {
case .failure(let error):
    fail(error.description)
case .success(let devices):
    if let loader = Vulkan.loaderDescription { print("loader: \(loader)") }
    for d in devices { print("device \(d)") }
}
if args.first == "--context" {
    do {
        let ctx = try VulkanContext.create(deviceIndex: nil, options: .fromEnvironment())
        print("context: \(ctx.info.name), validation \(ctx.options.validation ? "on" : "off"), \(ctx.validationErrors) errors, \(ctx.validationWarnings) warnings")
    } catch {
        fail("\(error)")
    }
}
if args.first == "--selftest" {
    selftest(args.count > 1 ? Int(args[1]) : nil)
}
