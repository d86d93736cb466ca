import Foundation

/// Where kernel sources come from: the GLSL embedded in the binary, or, when LYAP_SHADER_DIR names a
/// folder laid out like Shaders/, the files on disk (edit a kernel and rerun, no rebuild).
public enum ShaderLibrary {
    public static let directoryVariable = "LYAP_SHADER_DIR"

    /// File name (relative to Shaders/) -> text.
    public static func sources(environment: [String: String] = ProcessInfo.processInfo.environment) throws(VulkanError) -> [String: String] {
        guard let dir = environment[directoryVariable], !dir.isEmpty else { return ShaderSources.files }
        var files: [String: String] = [:]
        for name in ShaderSources.files.keys {
            let path = dir + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw VulkanError(result: nil, call: "LYAP_SHADER_DIR", context: "\(path) is missing or not UTF-8 (the folder must be laid out like Shaders/)")
            }
            files[name] = text
        }
        return files
    }
}
