extension SafeTensorsFile {
    /// The file's bytes. The same tensors and metadata always give identical bytes.
    ///
    /// Layout follows the reference writer, so that with at most one metadata entry the bytes are the
    /// ones Python's `safetensors` would write: tensors are packed without gaps in the reference dtype
    /// order (largest alignment first), then by name, so each tensor starts at an offset aligned to its
    /// element size; the header is padded with spaces to a multiple of 8 bytes; `__metadata__` comes
    /// first, keys sorted, and is omitted when empty.
    public func encoded() -> [UInt8] {
        precondition(tensors["__metadata__"] == nil, "'__metadata__' is reserved and cannot name a tensor")
        let ordered = tensors.sorted { a, b in
            if a.value.dtype != b.value.dtype { return a.value.dtype.referenceRank > b.value.dtype.referenceRank }
            return a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
        }

        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { "\(jsonStringLiteral($0.key)):\(jsonStringLiteral($0.value))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in ordered {
            let expected = tensor.elementCount * tensor.dtype.byteSize
            precondition(tensor.data.count == expected,
                         "tensor '\(name)' holds \(tensor.data.count) bytes, but shape \(tensor.shape) of \(tensor.dtype.rawValue) needs \(expected)")
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            let end = offset + tensor.data.count
            entries.append("\(jsonStringLiteral(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }

        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        bytes.append(contentsOf: littleEndianBytes([UInt64(header.count)]))
        bytes.append(contentsOf: header)
        for (_, tensor) in ordered { bytes.append(contentsOf: tensor.data) }
        return bytes
    }
}
