import Foundation
import Testing
@testable import LyapVulkan
@testable import LyapVulkanLSTM

extension LyapVulkanSuite {
    /// shaderc needs no device: these run everywhere.
    @Suite struct Shaders {
        @Test func compilesToSPIRV() throws {
            let words = try ShaderCompiler(sources: TestShaders.sources, cacheDirectory: nil).compile("saxpy.comp")
            #expect(words.count > 5 && words[0] == 0x0723_0203)
            // Targets Vulkan 1.2, i.e. SPIR-V 1.5 (version word 0x00010500).
            #expect(words[1] == 0x0001_0500)
            #expect(SPIRVReflection.storageBindings(words) == [.init(set: 0, binding: 0), .init(set: 0, binding: 1)])
        }

        @Test func syntaxErrorNamesKernelLineAndDefines() throws {
            let bad = """
                #version 450
                layout(local_size_x = 64) in;
                void main() {
                    float v = foo;
                }
                """
            let compiler = ShaderCompiler(sources: ["lstm_forward.comp": bad], cacheDirectory: nil)
            do {
                _ = try compiler.compile("lstm_forward.comp", defines: ["H": "60", "B": "32"])
                Issue.record("compiled a kernel with an undeclared identifier")
            } catch {
                #expect(error.kernel == "lstm_forward.comp")
                #expect(error.defines == ["H": "60", "B": "32"])
                #expect(error.description.hasPrefix("shader lstm_forward.comp (B=32, H=60): lstm_forward.comp:4: error: 'foo' : undeclared identifier"),
                        "\(error.description)")
                #expect(!error.description.contains("\n"))
            }
        }

        @Test func missingIncludeNamesTheInclude() throws {
            let text = """
                #version 450
                #include "include/nope.glsl"
                layout(local_size_x = 64) in;
                void main() {}
                """
            let compiler = ShaderCompiler(sources: ["k.comp": text], cacheDirectory: nil)
            do {
                _ = try compiler.compile("k.comp")
                Issue.record("compiled with a missing include")
            } catch {
                #expect(error.description.contains("k.comp:2"), "\(error.description)")
                #expect(error.description.contains("include/nope.glsl"), "\(error.description)")
            }
        }

        @Test func unknownKernelIsAnError() {
            #expect(throws: ShaderCompileError.self) { _ = try ShaderCompiler(sources: [:], cacheDirectory: nil).compile("x.comp") }
        }

        @Test func includesResolveRelativeThenFromTheRoot() throws {
            let sources = [
                "k.comp": "#version 450\n#include \"include/a.glsl\"\nlayout(local_size_x = 1) in;\nlayout(std430, binding = 0) buffer Out { float b[]; };\nvoid main() { b[0] = A + C; }\n",
                "include/a.glsl": "#include \"b.glsl\"\n#define A (B + 1.0)\n",  // relative: include/b.glsl
                "include/b.glsl": "#include <common/c.glsl>\n#define B 2.0\n",  // from the root
                "common/c.glsl": "#define C 3.0\n",
                "b.glsl": "#error wrong b.glsl\n",
            ]
            let c = ShaderCompiler(sources: sources, cacheDirectory: nil)
            _ = try c.compile("k.comp")
            #expect(c.includeClosure(of: "k.comp", text: sources["k.comp"] ?? "") == ["common/c.glsl", "include/a.glsl", "include/b.glsl"])
            #expect(ShaderIncludes.normalize("include/../x/./y.glsl") == "x/y.glsl")
            #expect(ShaderIncludes.directives(in: "  #  include \"a.glsl\"\n#include <b/c.glsl> // x\n#define include\n") == ["a.glsl", "b/c.glsl"])
        }

        /// The compiler's identity names the binary that holds shaderc: this test executable (linked statically).
        @Test func compilerIdentityIsTheBinaryHoldingShaderc() throws {
            let id = Shaderc.identity
            #expect(id.hasPrefix(Shaderc.versionString + "; binary "), "\(id)")
            let exe = try #require(Shaderc.executablePath)
            #expect(exe.hasSuffix(".xctest") || exe.contains("PackageTests"), "\(exe)")
            let size = try #require(try FileManager.default.attributesOfItem(atPath: exe)[.size] as? Int)
            #expect(id.contains("binary \(size) "), "\(id) is not this executable (\(size) bytes)")
            #expect(Shaderc.binaryIdentity(path: "/nonexistent/lyap") == nil)
        }

        @Test func spirvCacheOnDisk() throws {
            let dir = try temporaryDirectory("spv") + "/nested/cache"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let first = ShaderCompiler(sources: TestShaders.sources, cacheDirectory: dir)
            let words = try first.compile("scaled.comp", defines: ["SCALE": "2"])
            let path = try #require(first.cachePath("scaled.comp", defines: ["SCALE": "2"]))
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(path.hasSuffix(".spv") && (path as NSString).lastPathComponent.count == 64 + 4)
            #expect(first.stats == .init(compiled: 1, memoryHits: 0, diskHits: 0, diskProblems: 0))
            #expect(try first.compile("scaled.comp", defines: ["SCALE": "2"]) == words)
            #expect(first.stats.memoryHits == 1)

            // A new compiler (a new process, in effect) reads the file instead of compiling.
            let second = ShaderCompiler(sources: TestShaders.sources, cacheDirectory: dir)
            #expect(try second.compile("scaled.comp", defines: ["SCALE": "2"]) == words)
            #expect(second.stats == .init(compiled: 0, memoryHits: 0, diskHits: 1, diskProblems: 0))

            // Served from the file: replace it with other valid SPIR-V and that is what comes back.
            let other = try ShaderCompiler(sources: TestShaders.sources, cacheDirectory: nil).compile("saxpy.comp")
            #expect(other != words)
            try other.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
            #expect(try ShaderCompiler(sources: TestShaders.sources, cacheDirectory: dir).compile("scaled.comp", defines: ["SCALE": "2"]) == other)

            // A corrupt file is recompiled and rewritten.
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
            let third = ShaderCompiler(sources: TestShaders.sources, cacheDirectory: dir)
            #expect(try third.compile("scaled.comp", defines: ["SCALE": "2"]) == words)
            #expect(third.stats == .init(compiled: 1, memoryHits: 0, diskHits: 0, diskProblems: 1))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == words.count * 4)

            // The key covers defines, included files and options.
            #expect(first.cachePath("scaled.comp", defines: ["SCALE": "3"]) != path)
            #expect(first.cachePath("scaled.comp", defines: ["SCALE": "2", "EXTRA": "1"]) != path)
            var edited = TestShaders.sources
            edited["include/common.glsl"] = TestShaders.common + "\n// edited\n"
            #expect(ShaderCompiler(sources: edited, cacheDirectory: dir).cachePath("scaled.comp", defines: ["SCALE": "2"]) != path)
            var unrelated = TestShaders.sources
            unrelated["unused.glsl"] = "// not included by scaled.comp"
            #expect(ShaderCompiler(sources: unrelated, cacheDirectory: dir).cachePath("scaled.comp", defines: ["SCALE": "2"]) == path)
            #expect(ShaderCompiler(sources: TestShaders.sources, cacheDirectory: dir, debugInfo: true)
                .cachePath("scaled.comp", defines: ["SCALE": "2"]) != path)
            // ... and the compiler: another build of shaderc (another binary) does not read this file.
            let rebuilt = ShaderCompiler(sources: TestShaders.sources, cacheDirectory: dir)
            rebuilt.compilerIdentity = Shaderc.versionString + "; binary 1 2.3"
            #expect(rebuilt.cachePath("scaled.comp", defines: ["SCALE": "2"]) != path)
            let files = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(files.filter { $0.hasSuffix(".spv") }.count == 1 && files.allSatisfy { !$0.contains(".tmp") }, "\(files)")
        }

        @Test func compileTiming() throws {
            // Timings for the report only (printed, never asserted: a shared machine makes them noisy);
            // what is asserted is where each result came from.
            let dir = try temporaryDirectory("timing")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            func ms(_ body: () throws -> Void) rethrows -> Double {
                let t = DispatchTime.now().uptimeNanoseconds
                try body()
                return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6
            }
            let c = ShaderCompiler(sources: TestShaders.sources, cacheDirectory: dir)
            let compile = try ms { _ = try c.compile("saxpy.comp", defines: ["TIMING": "1"]) }
            let memory = try ms { _ = try c.compile("saxpy.comp", defines: ["TIMING": "1"]) }
            let fresh = ShaderCompiler(sources: TestShaders.sources, cacheDirectory: dir)
            let disk = try ms { _ = try fresh.compile("saxpy.comp", defines: ["TIMING": "1"]) }
            print("LyapVulkanTests: saxpy.comp compile \(compile) ms, memory hit \(memory) ms, disk hit \(disk) ms")
            #expect(c.stats.compiled == 1 && c.stats.memoryHits == 1)
            #expect(fresh.stats.compiled == 0 && fresh.stats.diskHits == 1)
        }

        @Test func kernelProfileAggregates() {
            var p = KernelProfile()
            p.add([DispatchTiming(pipeline: "a", nanoseconds: 1000), DispatchTiming(pipeline: "b", nanoseconds: 5000),
                   DispatchTiming(pipeline: "a", nanoseconds: 3000)])
            p.add([DispatchTiming(pipeline: "a", nanoseconds: 2000)])
            let rows = p.rows
            #expect(rows.map(\.pipeline) == ["a", "b"])
            #expect(rows[0].calls == 3 && rows[0].totalMilliseconds == 0.006 && rows[0].medianMicroseconds == 2)
            #expect(rows[1].calls == 1 && rows[1].medianMicroseconds == 5)
            #expect(p.table.split(separator: "\n").count == 4)  // header, two kernels, total
        }

        /// Rates are work over time summed per pipeline; a call's floor is the larger of its arithmetic and
        /// memory floors, and the row's floor is the sum over calls (not the floor of the summed work).
        @Test func kernelProfileFloors() throws {
            let peaks = DevicePeaks(gflops: 1000, gigabytesPerSecond: 100, source: "test")
            let alu = KernelWork(flops: 4e6, bytes: 1e3)   // floors 4 us (alu) and 0.01 us
            let mem = KernelWork(flops: 1e3, bytes: 2e5)   // floors 0.001 us and 2 us (mem)
            let p = KernelProfile([DispatchTiming(pipeline: "k", nanoseconds: 8000, work: alu),
                                   DispatchTiming(pipeline: "k", nanoseconds: 12000, work: mem)])
            let row = try #require(p.rows(peaks: peaks).first)
            #expect(abs(row.gflopsPerSecond - (4e6 + 1e3) / 20e-6 / 1e9) < 1e-9)
            #expect(abs(row.gigabytesPerSecond - (1e3 + 2e5) / 20e-6 / 1e9) < 1e-9)
            #expect(abs(try #require(row.floorSeconds) - 6e-6) < 1e-15)
            #expect(abs(try #require(row.percentOfFloor) - 30) < 1e-9)
            #expect(p.rows.first?.floorSeconds == nil)
            let table = p.table(peaks: peaks)
            #expect(table.contains("30.0%") && table.contains("floor 0.006 ms"))
            #expect(p.table.contains("pass --peak-gflops and --peak-gbps"))
        }

        @Test func datasheetPeaksMatchDriverNames() {
            #expect(DevicePeaks.datasheet(deviceName: "NVIDIA H100 80GB HBM3")?.gigabytesPerSecond == 3350)
            #expect(DevicePeaks.datasheet(deviceName: "NVIDIA H100 PCIe")?.gigabytesPerSecond == 2000)
            #expect(DevicePeaks.datasheet(deviceName: "NVIDIA H200")?.gigabytesPerSecond == 4800)
            #expect(DevicePeaks.datasheet(deviceName: "llvmpipe (LLVM 15.0.6, 256 bits)") == nil)
        }
    }
}
