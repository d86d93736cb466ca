import ArgumentParser
import Foundation
import LyapCPU
import LyapTraining
import LyapVulkan

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the compute devices lyap can use.",
        discussion: "Example: lyap devices")

    func run() throws {
        print("backend  device")
        print("cpu      \(BuildInfo.cpuModel), \(CPUInfo.cores) cores, \(String(format: "%.1f", CPUInfo.memoryGiB)) GiB; \(CPUInfo.blas)")
        switch Vulkan.devices() {
        case .failure(let e):
            print("vulkan   unavailable: \(e)")
        case .success(let list):
            if list.isEmpty { print("vulkan   the loader lists no devices") }
            for d in list {
                let mem = String(format: "%.1f", Double(d.deviceLocalMemoryBytes) / 1_073_741_824)
                print("vulkan   --device \(d.index): \(d.name) [\(d.type)], driver \(d.driverName) \(d.driverInfo), Vulkan \(d.apiVersion), subgroup \(d.subgroupSize), \(mem) GiB device memory\(d.isCPU ? " (CPU device: auto does not pick it)" : "")")
            }
        }
    }
}
