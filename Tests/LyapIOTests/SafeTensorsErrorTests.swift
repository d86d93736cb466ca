import Testing
import LyapIO

/// One malformed file and the phrase its error must contain.
struct BadSafetensors: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let phrase: String
    var testDescription: String { name }

    /// A header with one F32 tensor entry and `body`.
    static func entry(_ fields: String, body: [UInt8] = []) -> [UInt8] {
        rawSafetensors(header: #"{"a":{"#+fields+"}}", body: body)
    }

    static func length(_ value: UInt64, then rest: [UInt8]) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } + rest
    }

    static let all: [BadSafetensors] = [
        .init(name: "too short", bytes: [1, 2, 3, 4, 5],
              phrase: "ckpt.safetensors: file is 5 bytes, too short for a safetensors header"),
        .init(name: "empty file", bytes: [], phrase: "file is 0 bytes, too short"),
        .init(name: "header length beyond file", bytes: length(99_999_999, then: Array(repeating: 0x20, count: 4088)),
              phrase: "ckpt.safetensors: header length 99999999 exceeds file size 4096"),
        .init(name: "header length one past the end", bytes: length(3, then: Array("{}".utf8)),
              phrase: "header length 3 exceeds file size 10"),
        .init(name: "header length 2^63", bytes: length(1 << 63, then: Array("{}".utf8)),
              phrase: "header length 9223372036854775808 exceeds file size 10"),
        .init(name: "header length 2^64-1", bytes: length(.max, then: Array("{}".utf8)),
              phrase: "header length 18446744073709551615 exceeds"),
        .init(name: "bad JSON", bytes: rawSafetensors(header: #"{"a": nope}"#),
              phrase: "ckpt.safetensors: header is not valid JSON"),
        .init(name: "truncated JSON", bytes: rawSafetensors(header: #"{"a":{"dtype":"F32""#),
              phrase: "header is not valid JSON"),
        .init(name: "trailing garbage after JSON", bytes: rawSafetensors(header: #"{} x"#),
              phrase: "header is not valid JSON"),
        .init(name: "invalid UTF-8", bytes: rawSafetensors(header: "{\"\u{7F}\"}").enumerated().map { $0.offset == 10 ? 0xFF : $0.element },
              phrase: "header is not valid UTF-8"),
        .init(name: "not an object", bytes: rawSafetensors(header: "[1, 2]"), phrase: "header is not a JSON object"),
        .init(name: "deep nesting", bytes: rawSafetensors(header: String(repeating: "[", count: 100_000)),
              phrase: "header is not valid JSON (nesting deeper than"),
        .init(name: "duplicate tensor name",
              bytes: rawSafetensors(header: #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#),
              phrase: "duplicate key 'a'"),
        .init(name: "unknown dtype", bytes: entry(#""dtype":"Q4","shape":[1],"data_offsets":[0,1]"#, body: [0]),
              phrase: "ckpt.safetensors: tensor 'a' has unknown dtype 'Q4'"),
        .init(name: "missing dtype", bytes: entry(#""shape":[1],"data_offsets":[0,1]"#, body: [0]),
              phrase: "tensor 'a' has no \"dtype\" string"),
        .init(name: "entry not an object", bytes: rawSafetensors(header: #"{"a":[1]}"#),
              phrase: "tensor 'a' entry is an array, expected an object"),
        .init(name: "negative dimension", bytes: entry(#""dtype":"U8","shape":[-1],"data_offsets":[0,0]"#),
              phrase: "tensor 'a' shape must hold non-negative integers"),
        .init(name: "fractional dimension", bytes: entry(#""dtype":"U8","shape":[1.0],"data_offsets":[0,1]"#, body: [0]),
              phrase: "tensor 'a' shape must hold non-negative integers"),
        .init(name: "one data offset", bytes: entry(#""dtype":"U8","shape":[0],"data_offsets":[0]"#),
              phrase: "tensor 'a' data_offsets must be [begin, end]"),
        .init(name: "offset beyond Int64", bytes: entry(#""dtype":"U8","shape":[0],"data_offsets":[9223372036854775808,9223372036854775808]"#),
              phrase: "data_offsets must be [begin, end]"),
        .init(name: "offset beyond UInt64", bytes: entry(#""dtype":"U8","shape":[0],"data_offsets":[0,18446744073709551616]"#),
              phrase: "data_offsets must be [begin, end]"),
        .init(name: "offsets end before begin", bytes: entry(#""dtype":"U8","shape":[0],"data_offsets":[8,4]"#),
              phrase: "tensor 'a' data_offsets [8, 4] end before they begin"),
        .init(name: "shape overflows", bytes: entry(#""dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]"#),
              phrase: "tensor 'a' shape [4294967296, 4294967296, 4] is too large"),
        .init(name: "offsets do not match shape",
              bytes: rawSafetensors(header: #"{"embedding.weight":{"dtype":"F32","shape":[10,4],"data_offsets":[0,80]}}"#,
                                    body: Array(repeating: 0, count: 80)),
              phrase: "ckpt.safetensors: tensor 'embedding.weight' data_offsets [0, 80] do not match shape [10, 4] of F32 (160 bytes)"),
        .init(name: "truncated body", bytes: entry(#""dtype":"F32","shape":[4],"data_offsets":[0,16]"#, body: Array(repeating: 0, count: 8)),
              phrase: "ckpt.safetensors: truncated: tensor 'a' data ends at byte 79 but the file has 71"),
        // Exact above 2^53: a parser that went through Double would read 9007199254740992 and report a shape mismatch.
        .init(name: "offset above 2^53 kept exact",
              bytes: entry(#""dtype":"U8","shape":[9007199254740993],"data_offsets":[0,9007199254740993]"#),
              phrase: "truncated: tensor 'a' data ends at byte 9007199254741084 but the file has 91"),
        .init(name: "overlapping tensors",
              bytes: rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                                    body: Array(repeating: 0, count: 12)),
              phrase: "tensors 'a' [0, 8] and 'b' [4, 12] overlap"),
        .init(name: "two tensors on the same bytes",
              bytes: rawSafetensors(header: #"{"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#,
                                    body: Array(repeating: 0, count: 8)),
              phrase: "tensors 'a' [0, 8] and 'b' [0, 8] overlap"),
        .init(name: "gap between tensors",
              bytes: rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}"#,
                                    body: Array(repeating: 0, count: 20)),
              phrase: "gap in tensor data: bytes [8, 12) before tensor 'b' belong to no tensor"),
        .init(name: "gap before the first tensor", bytes: entry(#""dtype":"U8","shape":[2],"data_offsets":[1,3]"#, body: [0, 0, 0]),
              phrase: "gap in tensor data: bytes [0, 1) before tensor 'a'"),
        .init(name: "bytes after the last tensor", bytes: entry(#""dtype":"U8","shape":[2],"data_offsets":[0,2]"#, body: [0, 0, 0, 0]),
              phrase: "2 bytes after the last tensor belong to no tensor"),
        .init(name: "metadata value not a string", bytes: rawSafetensors(header: #"{"__metadata__":{"epoch":3}}"#),
              phrase: "__metadata__ value for 'epoch' is a number, expected a string"),
        .init(name: "metadata not an object", bytes: rawSafetensors(header: #"{"__metadata__":"x"}"#),
              phrase: "__metadata__ is a string, expected an object of strings"),
        .init(name: "lone surrogate escape", bytes: rawSafetensors(header: #"{"__metadata__":{"k":"\ud800"}}"#),
              phrase: "header is not valid JSON (unpaired UTF-16 surrogate"),
    ]
}

@Suite("Safetensors rejects bad input with clear errors")
struct SafeTensorsErrorTests {
    @Test(arguments: BadSafetensors.all)
    func rejects(_ input: BadSafetensors) {
        do {
            let file = try SafeTensorsFile.decode(input.bytes, path: "ckpt.safetensors")
            Issue.record("decoded without error: \(file.tensors.keys.sorted())")
        } catch {
            #expect(error.message.hasPrefix("ckpt.safetensors: "), "\(error.message)")
            #expect(error.message.contains(input.phrase), "\(error.message)")
            #expect(!error.message.contains("\n"), "\(error.message)")
            #expect(error.description == error.message)
        }
    }

    static let checkpoint: SafeTensorsFile = {
        let bytes = SafeTensorsFile(tensors: [
            "lstm.weight_hh_l0": SafeTensor(floats: Array(repeating: 0, count: 240 * 59), shape: [240, 59]),
            "fc.bias": SafeTensor(int64s: [1, 2], shape: [2]),
            "embedding.weight": SafeTensor(doubles: Array(repeating: 0.5, count: 8), shape: [2, 4]),
        ]).encoded()
        return try! SafeTensorsFile.decode(bytes, path: "ckpt.safetensors")
    }()

    private func lookupError(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch let error as SafeTensorsError {
            return error.message
        } catch {
            return "unexpected \(type(of: error))"
        }
    }

    @Test("a missing tensor names what the file does hold")
    func missingTensor() {
        #expect(lookupError { _ = try Self.checkpoint.tensor("fc.weight", shape: [2, 60]) }
            == "ckpt.safetensors: missing tensor 'fc.weight' (found: embedding.weight, fc.bias, lstm.weight_hh_l0)")
    }

    @Test("a wrong shape gives found and expected shapes")
    func wrongShape() {
        #expect(lookupError { _ = try Self.checkpoint.tensor("lstm.weight_hh_l0", shape: [240, 60]) }
            == "ckpt.safetensors: tensor 'lstm.weight_hh_l0' has shape [240, 59], expected [240, 60]")
    }

    @Test("a wrong dtype, asked for in the lookup or found by a conversion")
    func wrongDType() {
        #expect(lookupError { _ = try Self.checkpoint.tensor("fc.bias", dtype: .f32, shape: [2]) }
            == "ckpt.safetensors: tensor 'fc.bias' has dtype I64, expected F32")
        #expect(lookupError { _ = try Self.checkpoint.tensor("fc.bias", shape: [2]).asFloats() }
            == "ckpt.safetensors: tensor 'fc.bias' has dtype I64, expected F32 or F64")
        #expect(lookupError { _ = try Self.checkpoint.tensors["fc.bias"]?.asDoubles() }
            == "ckpt.safetensors: tensor 'fc.bias' has dtype I64, expected F32 or F64")
        #expect(lookupError { _ = try Self.checkpoint.tensor("embedding.weight", shape: [2, 4]).asInt64s() }
            .hasPrefix("ckpt.safetensors: tensor 'embedding.weight' has dtype F64, expected an integer dtype"))
    }

    @Test("a tensor whose data was changed to the wrong length is reported, not read past")
    func mismatchedDataLength() {
        var tensor = SafeTensor(floats: [1, 2, 3], shape: [3])
        tensor.data.removeLast()
        #expect(lookupError { _ = try tensor.asFloats() } == "tensor holds 11 bytes, which do not fit shape [3] of F32")
    }

    @Test("a file built in memory still says where the error is")
    func inMemoryLabel() {
        let file = SafeTensorsFile(tensors: ["x": SafeTensor(uint8s: [1], shape: [1])])
        #expect(lookupError { _ = try file.tensor("x", shape: [1]).asFloats() }
            == "<in-memory safetensors>: tensor 'x' has dtype U8, expected F32 or F64")
    }

    @Test("reading a file that does not exist names it and the errno text")
    func unreadableFile() {
        let path = "/nonexistent-lyap-dir/ckpt.safetensors"
        #expect(lookupError { _ = try SafeTensorsFile.read(path: path) }
            == "\(path): cannot read: No such file or directory")
        #expect(lookupError { _ = try SafeTensorsFile.read(path: "/") } == "/: cannot read: not a regular file")
    }
}
