import CZlib

/// One-shot zlib (RFC 1950) compression at level 9, and its inverse for a known output size.
enum Zlib {
    static func compress(_ input: [UInt8]) -> [UInt8] {
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &capacity, inp.baseAddress, uLong(inp.count), 9)
            }
        }
        precondition(status == Z_OK, "compress2 cannot fail with a compressBound buffer")
        return Array(output[0..<Int(capacity)])
    }

    static func decompress(_ input: [UInt8], size: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: size)
        var produced = uLong(size)
        var consumed = uLong(input.count)
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                uncompress2(out.baseAddress, &produced, inp.baseAddress, &consumed)
            }
        }
        guard status == Z_OK, Int(produced) == size, Int(consumed) == input.count else { return nil }
        return output
    }
}
