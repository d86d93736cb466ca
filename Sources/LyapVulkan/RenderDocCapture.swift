import CVulkan

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RenderDoc's in-application capture API. A compute-only program never presents a frame, so a
/// capture needs explicit delimiters: `startCapture()` ... `endCapture()` around the work.
///
/// lyap never loads RenderDoc itself: run it under `renderdoccmd capture lyap ...` or with
/// `LD_PRELOAD=librenderdoc.so`, and this finds the library already in the process.
public final class RenderDocCapture: @unchecked Sendable {
    private let api: UnsafeMutablePointer<lyap_RENDERDOC_API_1_1_2>
    /// RenderDoc's "device pointer" for the context's instance (nil: any device).
    private let device: UnsafeMutableRawPointer?
    public let version: String

    /// Connects to an already loaded RenderDoc; `context` limits captures to its Vulkan instance.
    public init(context: VulkanContext? = nil) throws(VulkanError) {
        guard let lib = dlopen("librenderdoc.so", RTLD_NOW | RTLD_NOLOAD) else {
            throw VulkanError(result: nil, call: "dlopen",
                              context: "RenderDoc is not loaded (run under renderdoccmd or LD_PRELOAD=librenderdoc.so)")
        }
        defer { dlclose(lib) }  // balances this dlopen; RenderDoc stays loaded (it was loaded before)
        guard let sym = dlsym(lib, "RENDERDOC_GetAPI") else {
            throw VulkanError(result: nil, call: "dlsym", context: "librenderdoc.so is loaded but has no RENDERDOC_GetAPI")
        }
        let getAPI = unsafeBitCast(sym, to: lyap_pRENDERDOC_GetAPI.self)
        var raw: UnsafeMutableRawPointer?
        guard getAPI(Int32(LYAP_RENDERDOC_API_VERSION_1_1_2), &raw) == 1, let raw else {
            throw VulkanError(result: nil, call: "RENDERDOC_GetAPI", context: "this RenderDoc does not offer API version 1.1.2")
        }
        api = raw.assumingMemoryBound(to: lyap_RENDERDOC_API_1_1_2.self)
        device = context.flatMap { lyap_renderdoc_device_pointer($0.instance.handle) }
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        api.pointee.GetAPIVersion?(&major, &minor, &patch)
        version = "\(major).\(minor).\(patch)"
    }

    public var isCapturing: Bool { (api.pointee.IsFrameCapturing?() ?? 0) == 1 }

    public func startCapture() throws(VulkanError) {
        guard let start = api.pointee.StartFrameCapture else {
            throw VulkanError(result: nil, call: "StartFrameCapture", context: "missing from RenderDoc's API table")
        }
        start(device, nil)
    }

    /// Ends the capture; RenderDoc writes the file.
    public func endCapture() throws(VulkanError) {
        guard let end = api.pointee.EndFrameCapture else {
            throw VulkanError(result: nil, call: "EndFrameCapture", context: "missing from RenderDoc's API table")
        }
        guard end(device, nil) == 1 else {
            throw VulkanError(result: nil, call: "EndFrameCapture", context: "RenderDoc reported that the capture failed")
        }
    }
}
