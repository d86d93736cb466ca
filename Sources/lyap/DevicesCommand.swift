import ArgumentParser
import Foundation
import LyapCPU
import LyapTraining

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the compute devices lyap can use.",
        discussion: "Example: lyap devices")

    func run() throws {
        print("backend  device")
        print("cpu      \(BuildInfo.cpuModel), \(CPUInfo.cores) cores, \(String(format: "%.1f", CPUInfo.memoryGiB)) GiB; \(CPUInfo.blas)")
        print("vulkan   not available in this build")
    }
}
