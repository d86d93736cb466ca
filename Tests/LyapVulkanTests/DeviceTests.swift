import Foundation
import Testing
@testable import LyapVulkan
@testable import LyapVulkanLSTM
import LyapTestSupport

extension LyapVulkanSuite {
    @Suite struct Devices {
        @Test func environment() {
            if let reason = VulkanTestEnvironment.unavailableReason {
                print("LyapVulkanTests: Vulkan unavailable, device tests disabled: \(reason)")
                #expect(!VulkanTestEnvironment.requireVulkan, "LYAP_REQUIRE_VULKAN=1 but \(reason)")
            } else if case .success(let list) = VulkanTestEnvironment.devices {
                for d in list { print("LyapVulkanTests: device \(d)") }
            }
        }

        @Test(.vulkanDevice)
        func devicesReportTheirProperties() throws {
            let list = try VulkanTestEnvironment.devices.get()
            for (i, d) in list.enumerated() {
                #expect(d.index == i)
                #expect(!d.name.isEmpty)
                #expect(!d.driverName.isEmpty, "\(d.name): no driver name")
                #expect(d.subgroupSize > 0)
                #expect(d.maxWorkgroupInvocations >= 128)  // Vulkan's required minimum
                #expect(d.maxStorageBufferRange >= 1 << 27)
                #expect(d.apiVersion.split(separator: ".").count == 3)
            }
        }

        @Test(.enabled(if: VulkanTestEnvironment.hasCPUDevice, "lavapipe (mesa-vulkan-drivers) is not installed"))
        func lavapipeIsListedAsCPU() throws {
            let list = try VulkanTestEnvironment.devices.get()
            let found = list.first { $0.isCPU }
            let cpu = try #require(found)
            #expect(cpu.type == .cpu)
            #expect(cpu.driverName == "llvmpipe")
            #expect(cpu.name.hasPrefix("llvmpipe"))
            #expect(cpu.subgroupSize == 8)  // vulkan-notes.md: lavapipe (256-bit) uses 8
            #expect(cpu.maxComputeSharedMemorySize == 32 * 1024)
            #expect(cpu.maxPushConstantsSize == 128)
            #expect(cpu.timestampValidBits == 64)
            #expect(cpu.timestampPeriodNs == 1)
            #expect(cpu.features.float64)
        }

        @Test(.vulkanDevice)
        func contextWithValidationIsClean() throws {
            let ctx = try VulkanTestEnvironment.context()
            #expect(ctx.options.validation)
            if let i = VulkanTestEnvironment.deviceIndex { #expect(ctx.info.index == i) }
            expectClean(ctx)
        }

        @Test(.vulkanDevice)
        func badDeviceIndexNamesTheFlagAndTheCount() throws {
            let count = try VulkanTestEnvironment.devices.get().count
            for bad in [count, 99, -1] {
                do {
                    _ = try VulkanContext.create(deviceIndex: bad, options: VulkanOptions())
                    Issue.record("--device \(bad) was accepted")
                } catch {
                    #expect(error.result == nil)
                    #expect(error.description.contains("--device \(bad)"), "\(error)")
                    #expect(error.description.contains("\(count) Vulkan device"), "\(error)")
                }
            }
        }

        @Test(.vulkanDevice)
        func absurdBufferIsAnOutOfMemoryError() throws {
            let ctx = try VulkanTestEnvironment.context()
            do {
                _ = try DeviceBuffer(ctx, bytes: 1 << 50, name: "gates")
                Issue.record("a 1 PiB buffer was allocated")
            } catch {
                #expect(error.isOutOfMemory)
                #expect(error.resultName == "VK_ERROR_OUT_OF_DEVICE_MEMORY")
                #expect(error.call == "vkAllocateMemory")
                #expect(error.description.contains("'gates'") && error.description.contains("1024 TiB"), "\(error)")
            }
            // Still usable afterwards, and nothing invalid reached the driver.
            let b = try DeviceBuffer(ctx, bytes: 64, name: "after")
            try b.upload([Float](repeating: 1, count: 16))
            #expect(try b.download(Float.self, count: 16) == [Float](repeating: 1, count: 16))
            expectClean(ctx)
        }

        @Test(.vulkanDevice, arguments: [false, true])
        func bufferRangesAndErrors(staging: Bool) throws {
            let ctx = try VulkanTestEnvironment.context(VulkanOptions(validation: true, forceStaging: staging))
            #expect(throws: VulkanError.self) { _ = try DeviceBuffer(ctx, bytes: 0, name: "empty") }
            let b = try DeviceBuffer(ctx, bytes: 16, name: "small")
            #expect(throws: VulkanError.self) { try b.upload([Float](repeating: 0, count: 5)) }
            #expect(throws: VulkanError.self) { try b.upload([Float](repeating: 0, count: 2), atByte: 12) }
            #expect(throws: VulkanError.self) { _ = try b.download(Float.self, count: 5) }
            #expect(throws: VulkanError.self) { _ = try b.download(Float.self, count: 1, atByte: -4) }
            #expect(b.isMapped == !staging)
            try b.upload([UInt32(1), 2, 3, 4])
            try b.upload([UInt32(7), 8], atByte: 8)
            #expect(try b.download(UInt32.self, count: 2, atByte: 8) == [7, 8])
            #expect(try b.download(UInt32.self, count: 4) == [1, 2, 7, 8])
            try b.fillZero()
            #expect(try b.download(UInt32.self, count: 4) == [0, 0, 0, 0])
            // An odd size: fillZero reaches the last byte.
            let odd = try DeviceBuffer(ctx, bytes: 7, name: "odd")
            try odd.upload([UInt8](repeating: 0xff, count: 7))
            try odd.fillZero()
            #expect(try odd.download(UInt8.self, count: 7) == [UInt8](repeating: 0, count: 7))
            expectClean(ctx)
        }

        @Test func optionsFromEnvironment() {
            #expect(!VulkanOptions.fromEnvironment([:]).validation)
            let on = VulkanOptions.fromEnvironment(["LYAP_VALIDATE": "1"])
            #expect(on.validation && on.echoValidationMessages && !on.synchronizationValidation)
            let sync = VulkanOptions.fromEnvironment(["LYAP_VALIDATE": "sync"])
            #expect(sync.validation && sync.synchronizationValidation)
            #expect(!VulkanOptions.fromEnvironment(["LYAP_VALIDATE": "0"]).validation)
            #expect(VulkanOptions.fromEnvironment(["LYAP_VK_STAGING": "1"]).forceStaging)
        }

        @Test func errorDescriptions() {
            let e = VulkanError(result: -2, call: "vkAllocateMemory", context: "allocating 'gates' 1.2 GiB")
            #expect(e.description == "vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY (allocating 'gates' 1.2 GiB)")
            #expect(VulkanError.name(of: -9) == "VK_ERROR_INCOMPATIBLE_DRIVER")
            #expect(VulkanError.name(of: -1_000_069_000) == "VK_ERROR_OUT_OF_POOL_MEMORY")
            #expect(VulkanError.name(of: 12345) == "VkResult(12345)")
            #expect(formatBytes(1_288_490_189) == "1.2 GiB")
            #expect(formatBytes(512) == "512 B")
        }

        @Test func renderDocNotLoadedIsAClearError() {
            do {
                _ = try RenderDocCapture()
                Issue.record("RenderDoc found although nothing loaded it")
            } catch {
                #expect(error.description.contains("RenderDoc is not loaded (run under renderdoccmd or LD_PRELOAD=librenderdoc.so)"))
            }
        }
    }

    /// The loader reads VK_DRIVER_FILES and friends once, when it is loaded, so these run the probe
    /// executable in a fresh process.
    @Suite struct Subprocesses {
        static var probe: String { Subprocess.executable("lyap-vk-probe") }

        @Test func probeIsNotLinkedAgainstVulkanOrShaderc() throws {
            #if os(Linux)
            let ldd = try Subprocess.run("/usr/bin/ldd", [Subprocesses.probe], environment: [:])
            #expect(ldd.status == 0, "\(ldd.stderr)")
            #expect(!ldd.stdout.contains("libvulkan"), "\(ldd.stdout)")
            #expect(!ldd.stdout.contains("libshaderc"), "\(ldd.stdout)")
            #expect(!ldd.stdout.contains("not found"), "\(ldd.stdout)")
            #endif
        }

        @Test func noDriverIsAClearFailure() throws {
            let r = try Subprocess.run(Subprocesses.probe, [],
                                       environment: ["VK_DRIVER_FILES": "/nonexistent.json", "VK_ICD_FILENAMES": "/nonexistent.json"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER"), "\(r.stderr)")
            #expect(r.stderr.contains("no Vulkan driver found"), "\(r.stderr)")
            #expect(r.stderr.contains("VK_DRIVER_FILES=/nonexistent.json"), "\(r.stderr)")
            #expect(!r.stdout.contains("device"))
        }

        @Test func noLoaderIsAClearFailure() throws {
            let r = try Subprocess.run(Subprocesses.probe, [], environment: ["LYAP_VULKAN_LIBRARY": "/nonexistent/libvulkan.so.1"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("/nonexistent/libvulkan.so.1 not found or not loadable"), "\(r.stderr)")
        }

        @Test(.vulkanDevice)
        func missingValidationLayerIsAClearFailure() throws {
            let r = try Subprocess.run(Subprocesses.probe, ["--context"],
                                       environment: ["LYAP_VALIDATE": "1", "VK_LAYER_PATH": "/nonexistent", "VK_ADD_LAYER_PATH": ""])
            #expect(r.status == 2)
            #expect(r.stderr.contains("VK_ERROR_LAYER_NOT_PRESENT"), "\(r.stderr)")
            #expect(r.stderr.contains("VK_LAYER_KHRONOS_validation is not installed"), "\(r.stderr)")
        }

        @Test(.vulkanDevice)
        func probeListsDevicesAndOpensAValidatedContext() throws {
            let r = try Subprocess.run(Subprocesses.probe, ["--context"], environment: ["LYAP_VALIDATE": "1"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("device 0: "), "\(r.stdout)")
            #expect(r.stdout.contains("validation on, 0 errors, 0 warnings"), "\(r.stdout)")
        }
    }
}
