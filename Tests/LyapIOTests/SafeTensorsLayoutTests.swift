import Testing
@testable import LyapIO

@Suite("Safetensors byte layout")
struct SafeTensorsLayoutTests {
    @Test("decode reads a hand-built file in the reference layout")
    func decodesHandBuiltBytes() throws {
        let padded = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"# + "  "  // 54 + 2 = 56 bytes
        let body: [UInt8] = [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40]  // 1.0, 2.0 as LE float32
        let file = try SafeTensorsFile.decode(rawSafetensors(header: padded, body: body), path: "hand.safetensors")
        #expect(file.tensors.count == 1)
        #expect(file.metadata.isEmpty)
        #expect(try file.tensor("a", dtype: .f32, shape: [2]).asFloats() == [1, 2])
    }

    @Test("decode accepts the reference writer's ordering, spacing, escapes and metadata")
    func decodesReferenceStyleHeader() throws {
        // The reference writer puts __metadata__ first and orders data by dtype alignment, not by name.
        let header = """
            {"__metadata__":{"format":"pt","n\\u00e9":"\\ud83d\\ude00"}, "z":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},\
             "a" : {"shape":[2,1],"dtype":"I32","data_offsets":[8,16]}, "e":{"dtype":"U8","shape":[0],"data_offsets":[16,16]}}   
            """
        var body = [UInt8](repeating: 0, count: 16)
        body[0] = 0xFE; for i in 1..<8 { body[i] = 0xFF }      // I64 -2
        body[8] = 5; body[12] = 0xFF; body[13] = 0xFF; body[14] = 0xFF; body[15] = 0xFF  // I32 5, -1
        let file = try SafeTensorsFile.decode(rawSafetensors(header: header, body: body), path: "ref.safetensors")
        #expect(file.metadata == ["format": "pt", "né": "😀"])
        #expect(try file.tensor("z", shape: [1]).asInt64s() == [-2])
        #expect(try file.tensor("a", dtype: .i32, shape: [2, 1]).asInt64s() == [5, -1])
        #expect(try file.tensor("e", dtype: .u8, shape: [0]).data.isEmpty)
    }

    @Test("encoded() gives exactly the reference bytes for a small file")
    func encodesGoldenBytes() {
        let file = SafeTensorsFile(tensors: ["a": SafeTensor(floats: [1, 2], shape: [2])])
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let expected = rawSafetensors(header: header + "  ", body: [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40])
        #expect(file.encoded() == expected)
    }

    @Test("the header is padded with spaces to a multiple of 8, and the first 8 bytes give its length")
    func headerLengthAndPadding() {
        for nameLength in 1...12 {
            let name = String(repeating: "x", count: nameLength)
            let file = SafeTensorsFile(tensors: [name: SafeTensor(uint8s: [1, 2, 3], shape: [3])], metadata: ["k": "v"])
            let bytes = file.encoded()
            let length = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            #expect(length % 8 == 0, "header length \(length) for name length \(nameLength)")
            #expect(Int(length) + 8 + 3 == bytes.count)
            let header = String(decoding: bytes[8..<(8 + Int(length))], as: UTF8.self)
            #expect(header.hasPrefix(#"{"__metadata__":{"k":"v"},"#))
            let trimmed = header.reversed().drop { $0 == " " }
            #expect(trimmed.first == "}")
            #expect(header.count - trimmed.count < 8)
            #expect(Array(bytes.suffix(3)) == [1, 2, 3])
        }
    }

    @Test("encoded() is byte-identical across calls and dictionary insertion orders")
    func encodingIsDeterministic() {
        var rng = TestRNG(seed: 7)
        let names = (0..<40).map { "layer\($0 % 7).param\($0)" }
        let dtypes: [SafeTensorDType] = [.f32, .f64, .u8, .i64, .i32, .f16]
        let pairs = names.enumerated().map { i, name in
            let dtype = dtypes[i % dtypes.count]
            return (name, SafeTensor(dtype: dtype, shape: [i % 4, 3], data: rng.bytes(i % 4 * 3 * dtype.byteSize)))
        }
        let metaPairs = (0..<10).map { ("key\($0)", "value \($0)") }

        var forward: [String: SafeTensor] = [:]
        for (name, tensor) in pairs { forward[name] = tensor }
        var backward: [String: SafeTensor] = [:]
        backward.reserveCapacity(500)
        for (name, tensor) in pairs.reversed() { backward[name] = tensor }
        var metaForward: [String: String] = [:]
        for (k, v) in metaPairs { metaForward[k] = v }
        var metaBackward: [String: String] = [:]
        for (k, v) in metaPairs.reversed() { metaBackward[k] = v }

        let a = SafeTensorsFile(tensors: forward, metadata: metaForward).encoded()
        #expect(firstDifference(a, SafeTensorsFile(tensors: forward, metadata: metaForward).encoded()) == nil)
        #expect(firstDifference(a, SafeTensorsFile(tensors: backward, metadata: metaBackward).encoded()) == nil)
    }

    @Test("tensors are packed without gaps, each aligned to its element size in the file")
    func dataIsPackedAndAligned() throws {
        let file = SafeTensorsFile(tensors: [
            "a.u8": SafeTensor(uint8s: [1, 2, 3], shape: [3]),
            "b.f64": SafeTensor(doubles: [1, 2], shape: [2]),
            "c.f32": SafeTensor(floats: [1, 2, 3], shape: [3]),
            "d.i64": SafeTensor(int64s: [5], shape: []),
        ])
        let bytes = file.encoded()
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        guard case .object(let members) = try JSONParser.parse(Array(bytes[8..<(8 + headerLength)])) else {
            Issue.record("header is not an object")
            return
        }
        var ranges: [(name: String, begin: Int, end: Int)] = []
        for (name, entry) in members {
            guard case .object(let fields) = entry, case .array(let offsets)? = fields.first(where: { $0.key == "data_offsets" })?.value,
                  let begin = offsets.first?.nonNegativeInt, let end = offsets.last?.nonNegativeInt else {
                Issue.record("bad entry \(name)")
                return
            }
            ranges.append((name, begin, end))
        }
        #expect(ranges.map(\.name) == ["d.i64", "b.f64", "c.f32", "a.u8"])
        var covered = 0
        for range in ranges {
            #expect(range.begin == covered)
            let size = file.tensors[range.name]!.dtype.byteSize
            #expect((8 + headerLength + range.begin) % size == 0, "\(range.name) is misaligned")
            covered = range.end
        }
        #expect(8 + headerLength + covered == bytes.count)
    }
}
