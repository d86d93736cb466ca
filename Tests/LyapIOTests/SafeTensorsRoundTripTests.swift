import Testing
@testable import LyapIO

@Suite("Safetensors round trips")
struct SafeTensorsRoundTripTests {
    static let oddShapes: [[Int]] = [[], [0], [3, 5], [2, 0, 3], [1, 7, 1], [11]]

    @Test("every dtype and odd shapes survive encode then decode, with metadata")
    func everyDTypeRoundTrips() throws {
        var rng = TestRNG(seed: 1)
        var tensors: [String: SafeTensor] = [:]
        for dtype in SafeTensorDType.allCases {
            for (i, shape) in Self.oddShapes.enumerated() {
                let bytes = rng.bytes(shape.reduce(1, *) * dtype.byteSize)
                tensors["\(dtype.rawValue.lowercased()).\(i)"] = SafeTensor(dtype: dtype, shape: shape, data: bytes)
            }
        }
        let metadata = ["epoch": "3", "note": "héllo, \"quoted\"\n\ttab \u{01} ✓", "": "empty key", "format": "pt"]
        let file = SafeTensorsFile(tensors: tensors, metadata: metadata)

        let decoded = try SafeTensorsFile.decode(file.encoded(), path: "rt.safetensors")
        #expect(decoded.tensors == tensors)
        #expect(decoded.metadata == metadata)
        #expect(decoded.sourcePath == "rt.safetensors")
    }

    @Test("an empty file (no tensors, no metadata) round trips")
    func emptyFileRoundTrips() throws {
        let bytes = SafeTensorsFile(tensors: [:]).encoded()
        #expect(bytes.count == 16)  // 8-byte length + "{}" padded to 8
        let decoded = try SafeTensorsFile.decode(bytes, path: "empty.safetensors")
        #expect(decoded.tensors.isEmpty && decoded.metadata.isEmpty)
    }

    @Test("typed initialisers store little-endian bytes and convert back exactly")
    func typedValuesRoundTrip() throws {
        let floats: [Float] = [0, -0.0, 1.5, -2.25, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let doubles: [Double] = [0.1, -1e300, .leastNonzeroMagnitude, .pi, -0.0, 42]
        let int64s: [Int64] = [.min, -1, 0, 1, .max, 1 << 53 + 1]
        let int32s: [Int32] = [.min, -7, 0, .max]
        let uint8s: [UInt8] = [0, 1, 127, 128, 255]

        let f = SafeTensor(floats: floats, shape: [2, 4])
        #expect(f.dtype == .f32 && f.data.count == 32)
        #expect(Array(f.data[8..<12]) == [0x00, 0x00, 0xC0, 0x3F])  // 1.5 as LE float32
        let file = SafeTensorsFile(tensors: [
            "f": f,
            "d": SafeTensor(doubles: doubles, shape: [3, 2]),
            "q": SafeTensor(int64s: int64s, shape: [6]),
            "i": SafeTensor(int32s: int32s, shape: [4]),
            "b": SafeTensor(uint8s: uint8s, shape: [5, 1]),
        ])
        let decoded = try SafeTensorsFile.decode(file.encoded(), path: "typed.safetensors")

        #expect(try decoded.tensor("f", dtype: .f32, shape: [2, 4]).asFloats().map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(try decoded.tensor("d", dtype: .f64, shape: [3, 2]).asDoubles().map(\.bitPattern) == doubles.map(\.bitPattern))
        #expect(try decoded.tensor("q", dtype: .i64, shape: [6]).asInt64s() == int64s)
        #expect(try decoded.tensor("i", dtype: .i32, shape: [4]).asInt64s() == int32s.map(Int64.init))
        #expect(try decoded.tensor("b", dtype: .u8, shape: [5, 1]).asInt64s() == uint8s.map(Int64.init))
        #expect(decoded.tensors["b"]?.data == uint8s)
    }

    @Test("F32 widens to Double exactly; F64 narrows to the nearest Float")
    func floatConversions() throws {
        let f = SafeTensor(floats: [0.1, 3.0e38], shape: [2])
        #expect(try f.asDoubles() == [Double(Float(0.1)), Double(Float(3.0e38))])
        let d = SafeTensor(doubles: [0.1, 1e-50, 1 + 0x1p-30], shape: [3])
        #expect(try d.asFloats() == [Float(0.1), 0, 1])
        #expect(try d.asDoubles() == [0.1, 1e-50, 1 + 0x1p-30])
    }

    @Test("a scalar has one element, a zero-size tensor none")
    func elementCounts() {
        #expect(SafeTensor(floats: [7], shape: []).elementCount == 1)
        #expect(SafeTensor(floats: [], shape: [4, 0]).elementCount == 0)
        #expect(SafeTensor(int64s: Array(repeating: 0, count: 12), shape: [2, 3, 2]).elementCount == 12)
    }

    @Test("read(path:) returns what write(path:) wrote")
    func fileRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("ckpt.safetensors")
        let file = SafeTensorsFile(tensors: ["w": SafeTensor(doubles: [1, 2, 3], shape: [3])], metadata: ["step": "10"])
        try file.write(path: path)
        let read = try SafeTensorsFile.read(path: path)
        #expect(read.tensors == file.tensors)
        #expect(read.metadata == file.metadata)
        #expect(read.sourcePath == path)
    }
}
