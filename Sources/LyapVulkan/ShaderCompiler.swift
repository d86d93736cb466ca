import CShaderc
import LyapIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GLSL file by name, e.g. "lstm_forward.comp" or "include/common.glsl".
public struct ShaderSource: Sendable {
    public var name: String
    public var text: String
    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// A kernel that did not compile. One line, e.g.
/// `shader lstm_forward.comp (B=32, H=60): lstm_forward.comp:17: error: 'foo' : undeclared identifier`.
public struct ShaderCompileError: Error, CustomStringConvertible, Sendable {
    public let kernel: String
    public let defines: [String: String]
    /// shaderc's text, with file:line for each error.
    public let message: String

    public init(kernel: String, defines: [String: String], message: String) {
        self.kernel = kernel
        self.defines = defines
        self.message = message
    }

    public var description: String {
        let d = defines.isEmpty ? "" : " (" + defines.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        let lines = message.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces }
            .filter { !$0.isEmpty && !($0.hasSuffix("generated.") && ($0.contains(" error") || $0.contains(" warning"))) }
        return "shader \(kernel)\(d): " + (lines.isEmpty ? "compilation failed" : lines.joined(separator: "; "))
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed())
    }
}

/// Compiles GLSL compute kernels to SPIR-V with shaderc (statically linked), for Vulkan 1.2 with
/// performance optimisation. Sources and their `#include`s come from one table of named texts;
/// `#include "x"` is looked up relative to the including file's folder first, then from the table's
/// root. Results are cached in memory and, with a cache directory, on disk as `<sha256>.spv`, keyed by
/// the kernel text, every file it may include, the defines, the compiler (`Shaderc.identity`) and the options.
///
/// One shaderc compiler serves the whole process (creating one costs ~100 ms); compiles are serialised.
public final class ShaderCompiler: @unchecked Sendable {
    public struct Stats: Sendable, Equatable {
        /// Compiled by shaderc.
        public var compiled = 0
        /// Served from this compiler's memory.
        public var memoryHits = 0
        /// Served from `cacheDirectory`.
        public var diskHits = 0
        /// Cache files that could not be written or were unreadable (compiling went on).
        public var diskProblems = 0
    }

    public let sources: [String: String]
    public let cacheDirectory: String?
    /// What the cache key records about the compiler (`Shaderc.identity`; tests put another here).
    var compilerIdentity = Shaderc.identity
    /// Emit debug information (for RenderDoc or Nsight source mapping). Part of the cache key.
    public let debugInfo: Bool

    private let lock = Lock()
    private var memory: [String: [UInt32]] = [:]
    private var counters = Stats()

    public var stats: Stats { lock.withLock { counters } }

    public init(sources: [String: String], cacheDirectory: String?, debugInfo: Bool = false) {
        self.sources = sources
        self.cacheDirectory = cacheDirectory.flatMap { $0.isEmpty ? nil : $0 }
        self.debugInfo = debugInfo
    }

    public convenience init(sources: [ShaderSource], cacheDirectory: String?, debugInfo: Bool = false) {
        var table: [String: String] = [:]
        for s in sources { table[s.name] = s.text }
        self.init(sources: table, cacheDirectory: cacheDirectory, debugInfo: debugInfo)
    }

    /// The SPIR-V words of `kernel` compiled with `defines` (`#define KEY VALUE`).
    public func compile(_ kernel: String, defines: [String: String] = [:]) throws(ShaderCompileError) -> [UInt32] {
        guard let text = sources[kernel] else {
            throw ShaderCompileError(kernel: kernel, defines: defines,
                                     message: "no shader named '\(kernel)' (known: \(sources.keys.sorted().joined(separator: ", ")))")
        }
        let key = cacheKey(kernel, text, defines)
        if let words = lock.withLock({ memory[key] }) {
            lock.withLock { counters.memoryHits += 1 }
            return words
        }
        if let dir = cacheDirectory {
            switch readSPIRV(path(dir, key)) {
            case .some(.success(let words)):
                lock.withLock {
                    memory[key] = words
                    counters.diskHits += 1
                }
                return words
            case .some(.failure):
                lock.withLock { counters.diskProblems += 1 }  // unreadable or corrupt: compile and overwrite
            case .none:
                break
            }
        }
        let words = try Shaderc.shared.compile(kernel: kernel, text: text, defines: defines, sources: sources, debugInfo: debugInfo)
        lock.withLock {
            memory[key] = words
            counters.compiled += 1
        }
        if let dir = cacheDirectory, !writeSPIRV(words, dir: dir, path: path(dir, key)) {
            lock.withLock { counters.diskProblems += 1 }
        }
        return words
    }

    /// Where `compile(kernel, defines:)` caches its result: "<cacheDirectory>/<sha256>.spv" (nil
    /// without a cache directory or an unknown kernel).
    public func cachePath(_ kernel: String, defines: [String: String] = [:]) -> String? {
        guard let dir = cacheDirectory, let text = sources[kernel] else { return nil }
        return path(dir, cacheKey(kernel, text, defines))
    }

    private func path(_ dir: String, _ key: String) -> String { (dir.hasSuffix("/") ? dir : dir + "/") + key + ".spv" }

    /// sha256 over a length-prefixed record of everything that changes the output.
    func cacheKey(_ kernel: String, _ text: String, _ defines: [String: String]) -> String {
        var record: [UInt8] = []
        func field(_ tag: String, _ value: String) {
            record += Array("\(tag) \(value.utf8.count)\n".utf8)
            record += Array(value.utf8)
            record.append(10)
        }
        field("format", "lyap-spirv-cache 1")
        field("compiler", compilerIdentity)
        field("options", "target vulkan1.2; optimization performance; stage compute; debug \(debugInfo)")
        field("kernel", kernel)
        field("text", text)
        for name in includeClosure(of: kernel, text: text) {
            field("include", name)
            field("text", sources[name] ?? "")
        }
        for (k, v) in defines.sorted(by: { $0.key < $1.key }) {
            field("define", k)
            field("value", v)
        }
        return SHA256.hexDigest(of: record)
    }

    /// Every table entry that `kernel` may include, directly or indirectly, found by scanning for
    /// `#include` lines (conditionally compiled ones too: a cache key may over-approximate).
    func includeClosure(of kernel: String, text: String) -> [String] {
        var found = Set<String>()
        var queue: [(String, String)] = [(kernel, text)]
        while let (name, body) = queue.popLast() {
            for requested in ShaderIncludes.directives(in: body) {
                guard let resolved = ShaderIncludes.resolve(requested, from: name, in: sources), !found.contains(resolved) else { continue }
                found.insert(resolved)
                queue.append((resolved, sources[resolved] ?? ""))
            }
        }
        return found.sorted()
    }
}

// MARK: - Include resolution

package enum ShaderIncludes {
    /// The names in `#include "name"` / `#include <name>` lines.
    package static func directives(in text: String) -> [String] {
        var out: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            var s = line.drop(while: { $0 == " " || $0 == "\t" })
            guard s.first == "#" else { continue }
            s = s.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
            guard s.hasPrefix("include") else { continue }
            s = s.dropFirst("include".count).drop(while: { $0 == " " || $0 == "\t" })
            guard let open = s.first, open == "\"" || open == "<" else { continue }
            let close: Character = open == "\"" ? "\"" : ">"
            let rest = s.dropFirst()
            if let end = rest.firstIndex(of: close) { out.append(String(rest[..<end])) }
        }
        return out
    }

    /// The table entry for `requested` included from `requesting`: relative to the requesting file's
    /// folder first, then from the root.
    package static func resolve(_ requested: String, from requesting: String, in table: [String: String]) -> String? {
        var candidates: [String] = []
        if let slash = requesting.lastIndex(of: "/") {
            candidates.append(normalize(String(requesting[...slash]) + requested))
        }
        candidates.append(normalize(requested))
        return candidates.first { table[$0] != nil }
    }

    /// Removes "." and "a/.." components.
    package static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for c in path.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(c)
        }
        return parts.joined(separator: "/")
    }
}

/// The include table shaderc's callbacks see, passed as user data.
private final class IncludeContext {
    let sources: [String: String]
    init(_ sources: [String: String]) { self.sources = sources }
}

private let resolveInclude: shaderc_include_resolve_fn = { user, requested, _, requesting, _ in
    let result = UnsafeMutablePointer<shaderc_include_result>.allocate(capacity: 1)
    let name = requested.map { String(cString: $0) } ?? ""
    let from = requesting.map { String(cString: $0) } ?? ""
    var resolvedName = ""
    var content = "include not found"  // glslang appends " for header name: <name>"
    if let user {
        let table = Unmanaged<IncludeContext>.fromOpaque(user).takeUnretainedValue().sources
        if let r = ShaderIncludes.resolve(name, from: from, in: table), let text = table[r] {
            resolvedName = r
            content = text
        }
    }
    let cName = strdup(resolvedName), cContent = strdup(content)
    result.initialize(to: shaderc_include_result(
        source_name: cName, source_name_length: resolvedName.utf8.count,
        content: cContent, content_length: cContent == nil ? 0 : content.utf8.count, user_data: nil))
    return result
}

private let releaseInclude: shaderc_include_result_release_fn = { _, result in
    guard let result else { return }
    free(UnsafeMutableRawPointer(mutating: result.pointee.source_name))
    free(UnsafeMutableRawPointer(mutating: result.pointee.content))
    result.deinitialize(count: 1)
    result.deallocate()
}

// MARK: - The process's shaderc compiler

package final class Shaderc: @unchecked Sendable {
    package static let shared = Shaderc()

    /// e.g. "shaderc spv 0x10600 rev 1": shaderc's C API reports no library version, only the SPIR-V
    /// version it produces.
    package static let versionString: String = {
        var version: UInt32 = 0, revision: UInt32 = 0
        shaderc_get_spv_version(&version, &revision)
        return "shaderc spv 0x\(String(version, radix: 16)) rev \(revision)"
    }()

    /// The compiler as the SPIR-V cache key records it: `versionString` plus the size and modification time
    /// of the running executable. shaderc is linked statically into it (vulkan-notes.md), so a binary built
    /// against another shaderc or glslang never reads SPIR-V that an older one cached. A rebuilt binary
    /// recompiles once (a second or so).
    package static let identity: String = versionString + "; " + (binaryIdentity(path: executablePath) ?? "binary unknown")

    package static var executablePath: String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { readlink("/proc/self/exe", $0.baseAddress!, $0.count) }
        }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : CommandLine.arguments.first
    }

    /// "binary SIZE MTIME" of the file at `path`.
    package static func binaryIdentity(path: String?) -> String? {
        var st = stat()
        guard let path, stat(path, &st) == 0 else { return nil }
        #if canImport(Darwin)
        let mtime = st.st_mtimespec
        #else
        let mtime = st.st_mtim
        #endif
        return "binary \(st.st_size) \(mtime.tv_sec).\(mtime.tv_nsec)"
    }

    private let lock = Lock()
    private var compiler: shaderc_compiler_t?

    package func compile(kernel: String, text: String, defines: [String: String], sources: [String: String],
                 debugInfo: Bool) throws(ShaderCompileError) -> [UInt32] {
        try lock.withLock { () throws(ShaderCompileError) -> [UInt32] in
            if compiler == nil { compiler = shaderc_compiler_initialize() }
            guard let compiler else {
                throw ShaderCompileError(kernel: kernel, defines: defines, message: "shaderc_compiler_initialize failed")
            }
            guard let options = shaderc_compile_options_initialize() else {
                throw ShaderCompileError(kernel: kernel, defines: defines, message: "shaderc_compile_options_initialize failed")
            }
            defer { shaderc_compile_options_release(options) }
            shaderc_compile_options_set_source_language(options, shaderc_source_language_glsl)
            shaderc_compile_options_set_target_env(options, shaderc_target_env_vulkan, shaderc_env_version_vulkan_1_2.rawValue)
            shaderc_compile_options_set_optimization_level(options, shaderc_optimization_level_performance)
            if debugInfo { shaderc_compile_options_set_generate_debug_info(options) }
            for (k, v) in defines.sorted(by: { $0.key < $1.key }) {
                shaderc_compile_options_add_macro_definition(options, k, k.utf8.count, v, v.utf8.count)
            }
            let includes = IncludeContext(sources)
            let user = Unmanaged.passRetained(includes).toOpaque()
            defer { Unmanaged<IncludeContext>.fromOpaque(user).release() }
            shaderc_compile_options_set_include_callbacks(options, resolveInclude, releaseInclude, user)

            guard let result = shaderc_compile_into_spv(compiler, text, text.utf8.count, shaderc_glsl_compute_shader,
                                                         kernel, "main", options) else {
                throw ShaderCompileError(kernel: kernel, defines: defines, message: "shaderc returned no result object")
            }
            defer { shaderc_result_release(result) }
            let status = shaderc_result_get_compilation_status(result)
            guard status == shaderc_compilation_status_success else {
                let text = shaderc_result_get_error_message(result).map { String(cString: $0) } ?? ""
                throw ShaderCompileError(kernel: kernel, defines: defines,
                                         message: text.isEmpty ? "shaderc status \(status.rawValue)" : text)
            }
            let n = shaderc_result_get_length(result)
            guard n % 4 == 0, n >= 20, let bytes = shaderc_result_get_bytes(result) else {
                throw ShaderCompileError(kernel: kernel, defines: defines, message: "shaderc produced \(n) bytes, not SPIR-V")
            }
            return Array(unsafeUninitializedCapacity: n / 4) { out, count in
                UnsafeMutableRawPointer(out.baseAddress.unsafelyUnwrapped).copyMemory(from: bytes, byteCount: n)
                count = n / 4
            }
        }
    }
}

// MARK: - Cache files

package let spirvMagic: UInt32 = 0x0723_0203

/// nil: no file; failure: a file that is not SPIR-V or cannot be read.
private func readSPIRV(_ path: String) -> Result<[UInt32], FileReadError>? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        return errno == ENOENT ? nil : .failure(FileReadError(message: "\(path): cannot open (errno \(errno))"))
    }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if got < 0 {
            if errno == EINTR { continue }
            return .failure(FileReadError(message: "\(path): read failed (errno \(errno))"))
        }
        if got == 0 { break }
        bytes += chunk[0..<got]
    }
    guard bytes.count >= 20, bytes.count % 4 == 0 else { return .failure(FileReadError(message: "\(path): not SPIR-V")) }
    let words = bytes.withUnsafeBytes { raw in Array(raw.bindMemory(to: UInt32.self)) }
    guard words[0] == spirvMagic else { return .failure(FileReadError(message: "\(path): not SPIR-V")) }
    return .success(words)
}

/// Writes atomically (temporary file + rename); false when that fails.
private func writeSPIRV(_ words: [UInt32], dir: String, path: String) -> Bool {
    guard makeDirectories(dir) else { return false }
    let bytes = words.withUnsafeBytes { Array($0) }
    do {
        try AtomicFile.write(bytes, to: path)
        return true
    } catch {
        return false
    }
}

/// mkdir -p.
package func makeDirectories(_ path: String) -> Bool {
    var partial = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
        partial += part + "/"
        if mkdir(partial, 0o755) != 0 && errno != EEXIST { return false }
    }
    return true
}
