// lyap-vk-probe: prints the Vulkan devices, or why there are none, and exits 0 / 2.
//
//   lyap-vk-probe             one line per device ("device 0: ...")
//   lyap-vk-probe --context   also opens a context on the default device (LYAP_VALIDATE is honoured)
//
// The tests run it as a subprocess with a broken environment (no driver, no loader, no validation
// layer), because the Vulkan loader reads its environment variables once, when it is loaded.
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

let args = CommandLine.arguments.dropFirst()
switch Vulkan.devices() {
case .failure(let error):
    fail(error.description)
case .success(let devices):
    if let loader = Vulkan.loaderDescription { print("loader: \(loader)") }
    for d in devices { print("device \(d)") }
}
if args.contains("--context") {
    do {
        let ctx = try VulkanContext.create(deviceIndex: nil, options: .fromEnvironment())
        print("context: \(ctx.info.name), validation \(ctx.options.validation ? "on" : "off"), \(ctx.validationErrors) errors, \(ctx.validationWarnings) warnings")
    } catch {
        fail(error.description)
    }
}
