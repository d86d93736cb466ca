/// Packs integers into little-endian bytes, the byte order safetensors stores.
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    #if _endian(little)
    return values.withUnsafeBytes { Array($0) }
    #else
    var out: [UInt8] = []
    out.reserveCapacity(values.count * MemoryLayout<T>.size)
    for value in values { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
    return out
    #endif
}

/// Unpacks little-endian bytes into integers; `bytes.count` must be a multiple of the integer size.
func integers<T: FixedWidthInteger>(_ type: T.Type, fromLittleEndian bytes: [UInt8]) -> [T] {
    let size = MemoryLayout<T>.size
    precondition(bytes.count % size == 0, "byte count \(bytes.count) is not a multiple of \(size)")
    let count = bytes.count / size
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
        #if !_endian(little)
        for i in 0..<count { buffer[i] = T(littleEndian: buffer[i]) }
        #endif
        initialized = count
    }
}
