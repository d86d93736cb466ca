import COpenBLAS
import Foundation

/// What `lyap devices` says about the CPU backend.
public enum CPUInfo {
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }
    public static var memoryGiB: Double { Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 }

    /// OpenBLAS's build string, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    public static var blas: String {
        guard let c = openblas_get_config() else { return "OpenBLAS" }
        return String(cString: c)
    }
}
