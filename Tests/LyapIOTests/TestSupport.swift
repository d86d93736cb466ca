import Foundation
import Testing

/// A fresh directory under the system temporary directory; call `remove()` when done.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "lyap-io-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A safetensors file assembled by hand: little-endian header length, header text, body. No padding added.
func rawSafetensors(header: String, body: [UInt8] = []) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    var length = UInt64(headerBytes.count)
    var bytes: [UInt8] = []
    for _ in 0..<8 {
        bytes.append(UInt8(length & 0xFF))
        length >>= 8
    }
    return bytes + headerBytes + body
}

/// Deterministic generator for test data (xorshift64*).
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Where two byte strings first differ, or nil if equal; keeps failure messages short.
func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String? {
    guard a != b else { return nil }
    let index = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
    let show = { (bytes: [UInt8]) in index < bytes.count ? "\(bytes[index])" : "end" }
    return "lengths \(a.count) and \(b.count), first difference at byte \(index): \(show(a)) vs \(show(b))"
}
