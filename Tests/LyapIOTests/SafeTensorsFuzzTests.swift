import Testing
import LyapIO

@Suite("Safetensors decode never crashes")
struct SafeTensorsFuzzTests {
    static let valid = SafeTensorsFile(
        tensors: [
            "w": SafeTensor(floats: [1, 2, 3, 4, 5, 6], shape: [2, 3]),
            "b": SafeTensor(doubles: [0.5], shape: []),
            "n": SafeTensor(int64s: [], shape: [0, 2]),
            "ids": SafeTensor(uint8s: [9, 8, 7], shape: [3]),
        ],
        metadata: ["epoch": "12"]
    ).encoded()

    @Test("every truncation of a valid file is an error, and the whole file decodes")
    func truncations() throws {
        for count in 0..<Self.valid.count {
            #expect(throws: SafeTensorsError.self, "prefix of \(count) bytes") {
                try SafeTensorsFile.decode(Array(Self.valid.prefix(count)), path: "f")
            }
        }
        #expect(try SafeTensorsFile.decode(Self.valid, path: "f").tensors.count == 4)
    }

    @Test("random byte changes are decoded or rejected, never a trap")
    func randomMutations() {
        var rng = TestRNG(seed: 42)
        var rejected = 0
        for _ in 0..<3000 {
            var bytes = Self.valid
            for _ in 0..<(1 + rng.below(4)) {
                switch rng.below(4) {
                case 0: bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes[8 + rng.below(bytes.count - 8)] = Array("{}[]\",:0123456789-.e \\".utf8)[rng.below(22)]
                case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: rng.below(bytes.count))
                default: if bytes.count > 1 { bytes.remove(at: rng.below(bytes.count)) }
                }
            }
            do {
                let file = try SafeTensorsFile.decode(bytes, path: "f")
                // Whatever decodes must re-encode to something that decodes to the same tensors.
                let again = try SafeTensorsFile.decode(file.encoded(), path: "g")
                #expect(again.tensors == file.tensors)
            } catch {
                rejected += 1
            }
        }
        #expect(rejected > 2000)
    }
}
