/// Little-endian writer for the embedded format.
struct ByteWriter {
    var data: [UInt8] = []
    mutating func bytes(_ b: [UInt8]) { data += b }
    mutating func u16(_ v: Int) { for s in 0..<2 { data.append(UInt8(truncatingIfNeeded: v >> (8 * s))) } }
    mutating func u32(_ v: Int) { for s in 0..<4 { data.append(UInt8(truncatingIfNeeded: v >> (8 * s))) } }
    mutating func u64(_ v: Int) { for s in 0..<8 { data.append(UInt8(truncatingIfNeeded: v >> (8 * s))) } }
}

/// Bounds-checked little-endian reader: nil instead of a crash on short input.
struct ByteReader {
    private let data: [UInt8]
    private var position = 0
    init(_ data: [UInt8]) { self.data = data }
    var isAtEnd: Bool { position == data.count }

    mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, n <= data.count - position else { return nil }
        defer { position += n }
        return data[position..<position + n]
    }

    private mutating func unsigned(_ n: Int) -> Int? {
        guard let b = take(n) else { return nil }
        return b.reversed().reduce(0) { $0 << 8 | Int($1) }
    }
    mutating func u16() -> Int? { unsigned(2) }
    mutating func u32() -> Int? { unsigned(4) }
    mutating func u64() -> Int? {
        guard let b = take(8), b[b.endIndex - 1] < 0x80 else { return nil }
        return b.reversed().reduce(0) { $0 << 8 | Int($1) }
    }
}
