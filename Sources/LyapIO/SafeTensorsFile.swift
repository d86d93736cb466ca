/// A safetensors file in memory: named tensors plus string metadata (the header's `__metadata__`).
public struct SafeTensorsFile: Sendable {
    public var tensors: [String: SafeTensor]
    public var metadata: [String: String]
    /// The path this file was read from, used to name the file in error messages; nil when built in memory.
    public var sourcePath: String?

    public init(tensors: [String: SafeTensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
        self.sourcePath = nil
    }

    /// Reads and validates a whole file.
    public static func read(path: String) throws(SafeTensorsError) -> SafeTensorsFile {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.contents(atPath: path)
        } catch {
            throw SafeTensorsError(message: "\(path): cannot read: \(error.reason)")
        }
        return try decode(bytes, path: path)
    }

    /// Writes `encoded()` atomically: a reader sees the old file or the new one, never a mix.
    public func write(path: String) throws(FileWriteError) {
        try AtomicFile.write(encoded(), to: path)
    }

    /// The named tensor, after checking that it exists, has `shape`, and (when given) has `dtype`.
    public func tensor(_ name: String, dtype: SafeTensorDType? = nil, shape: [Int]) throws(SafeTensorsError) -> SafeTensor {
        guard var tensor = tensors[name] else {
            throw SafeTensorsError(message: "\(fileLabel): missing tensor '\(name)' (found: \(Self.summarize(tensors.keys)))")
        }
        tensor.errorLabel = "\(fileLabel): tensor '\(name)'"
        guard tensor.shape == shape else {
            throw SafeTensorsError(message: "\(fileLabel): tensor '\(name)' has shape \(tensor.shape), expected \(shape)")
        }
        if let dtype, tensor.dtype != dtype {
            throw SafeTensorsError(
                message: "\(fileLabel): tensor '\(name)' has dtype \(tensor.dtype.rawValue), expected \(dtype.rawValue)")
        }
        return tensor
    }

    var fileLabel: String { sourcePath ?? "<in-memory safetensors>" }

    /// Sorted names, cut short so a one-line message stays readable for large checkpoints.
    private static func summarize(_ names: Dictionary<String, SafeTensor>.Keys) -> String {
        guard !names.isEmpty else { return "no tensors" }
        let sorted = names.sorted()
        let shown = sorted.prefix(20).joined(separator: ", ")
        return sorted.count > 20 ? "\(shown), and \(sorted.count - 20) more" : shown
    }
}
