import Foundation
import Testing
import LyapIO

/// Runs `python3 -c script args...`; returns the exit status and combined output.
private func runPython(_ script: String, _ arguments: [String] = []) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do {
        try process.run()
    } catch {
        return (-1, "cannot start python3: \(error)")
    }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

private let referenceAvailable = runPython("import safetensors, numpy").status == 0

/// The same tensors, built on each side, to compare a file written by one against the other.
private let pythonTensors = """
    import numpy as np
    tensors = {
        "lstm.weight": (np.arange(15, dtype=np.float32) * 0.5 - 3).reshape(3, 5),
        "f64": (np.arange(8, dtype=np.float64) / 3).reshape(2, 2, 2),
        "i64": np.array([-(2**63), -1, 0, 2**63 - 1], dtype=np.int64),
        "i32.empty": np.zeros((0, 3), dtype=np.int32),
        "u8": (np.arange(7, dtype=np.uint8) * 37).reshape(7, 1),
        "scalar": np.array(2.5, dtype=np.float32),
        "f16": np.array([1.0, -2.0, 0.5], dtype=np.float16),
    }
    metadata = {"epoch": "3", "note": "h\\u00e9llo, \\"quoted\\"\\n"}
    """

private func swiftTensors() -> SafeTensorsFile {
    SafeTensorsFile(
        tensors: [
            "lstm.weight": SafeTensor(floats: (0..<15).map { Float($0) * 0.5 - 3 }, shape: [3, 5]),
            "f64": SafeTensor(doubles: (0..<8).map { Double($0) / 3 }, shape: [2, 2, 2]),
            "i64": SafeTensor(int64s: [.min, -1, 0, .max], shape: [4]),
            "i32.empty": SafeTensor(int32s: [], shape: [0, 3]),
            "u8": SafeTensor(uint8s: (0..<7).map { UInt8($0 * 37) }, shape: [7, 1]),
            "scalar": SafeTensor(floats: [2.5], shape: []),
            "f16": SafeTensor(dtype: .f16, shape: [3], data: [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38]),
        ],
        metadata: ["epoch": "3", "note": "héllo, \"quoted\"\n"])
}

@Suite("Interoperability with Python's safetensors",
       .enabled(if: referenceAvailable, "python3 with safetensors and numpy is not installed"))
struct SafeTensorsPythonInteropTests {
    @Test("a file written by Swift loads in safetensors.numpy with equal values")
    func pythonReadsSwift() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("swift.safetensors")
        try swiftTensors().write(path: path)
        let script = pythonTensors + """

            import sys
            from safetensors import safe_open
            from safetensors.numpy import load_file
            loaded = load_file(sys.argv[1])
            assert sorted(loaded) == sorted(tensors), sorted(loaded)
            for name, want in tensors.items():
                got = loaded[name]
                assert got.dtype == want.dtype and got.shape == want.shape, (name, got.dtype, got.shape)
                assert np.array_equal(got, want), (name, got, want)
            with safe_open(sys.argv[1], framework="np") as f:
                assert f.metadata() == metadata, f.metadata()
            print("ok")
            """
        let result = runPython(script, [path])
        #expect(result.status == 0 && result.output.contains("ok"), "\(result.output)")
    }

    @Test("a file written by safetensors.numpy decodes in Swift with equal values")
    func swiftReadsPython() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("python.safetensors")
        let script = pythonTensors + """

            import sys
            from safetensors.numpy import save_file
            save_file(tensors, sys.argv[1], metadata=metadata)
            """
        let result = runPython(script, [path])
        try #require(result.status == 0, "\(result.output)")

        let read = try SafeTensorsFile.read(path: path)
        let expected = swiftTensors()
        #expect(read.metadata == expected.metadata)
        #expect(read.tensors == expected.tensors)
    }

    // With more than one metadata entry the reference writer's key order follows a Rust HashMap,
    // so byte equality is only defined for at most one entry.
    @Test("re-encoding a safetensors.numpy file gives back its exact bytes (one metadata entry)")
    func encodingMatchesReferenceBytes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("python.safetensors")
        let script = pythonTensors + """

            import sys
            from safetensors.numpy import save_file
            tensors.update({
                "u64": np.array([2**64 - 1], dtype=np.uint64),
                "i8": np.array([-128, 127], dtype=np.int8),
                "bool": np.array([True, False, True]),
                "u16": np.array([[65535]], dtype=np.uint16),
                "we\\"ird/\\n\\u0001 na\\u00efme": np.zeros((2, 0), dtype=np.float64),
            })
            save_file(tensors, sys.argv[1], metadata={"n\\bo\\fte\\t": "a\\u0001\\u001f\\"\\\\/\\u00e9\\u2713"})
            """
        let result = runPython(script, [path])
        try #require(result.status == 0, "\(result.output)")

        let original = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let file = try SafeTensorsFile.decode(original, path: path)
        #expect(file.tensors.count == 12)
        #expect(firstDifference(file.encoded(), original) == nil)
    }
}
