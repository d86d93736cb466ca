#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `LYAP_DISPATCH_LOG=FILE`: every dispatch recorded on the context, one line each, in recording order:
/// the open debug labels (outermost first, joined by "/"; "-" when none), a tab, the pipeline name.
/// It is what lyap records, to be compared with what a capture tool saw (tools/renderdoc-check.sh).
package final class DispatchLog: @unchecked Sendable {
    package static let variable = "LYAP_DISPATCH_LOG"
    private let file: UnsafeMutablePointer<FILE>
    private let lock = Lock()

    package init(path: String) throws(VulkanError) {
        guard let f = fopen(path, "w") else {
            throw VulkanError.usage(DispatchLog.variable, "\(path): cannot be opened for writing (\(String(cString: strerror(errno))))")
        }
        file = f
    }

    deinit { fclose(file) }

    package func record(labels: [String], pipeline: String) {
        let line = (labels.isEmpty ? "-" : labels.joined(separator: "/")) + "\t" + pipeline + "\n"
        lock.withLock {
            fputs(line, file)
            fflush(file)
        }
    }
}
