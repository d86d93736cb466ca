extension SafeTensorsFile {
    /// Parses and validates the bytes of a safetensors file; `path` only names the file in errors.
    /// Like the reference reader, rejects bad lengths, bad JSON, unknown dtypes, offsets that disagree
    /// with shapes, and tensor data with gaps, overlaps or trailing bytes; it also rejects duplicate keys.
    public static func decode(_ bytes: [UInt8], path: String) throws(SafeTensorsError) -> SafeTensorsFile {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(message: "\(path): \(problem)") }

        guard bytes.count >= 8 else { throw fail("file is \(bytes.count) bytes, too short for a safetensors header") }
        let declaredLength = integers(UInt64.self, fromLittleEndian: Array(bytes[0..<8]))[0]
        guard declaredLength <= UInt64(bytes.count - 8) else {
            throw fail("header length \(declaredLength) exceeds file size \(bytes.count) (\(bytes.count - 8) bytes follow the length field)")
        }
        let dataStart = 8 + Int(declaredLength)
        let headerBytes = Array(bytes[8..<dataStart])
        guard String(validating: headerBytes, as: UTF8.self) != nil else { throw fail("header is not valid UTF-8") }

        let json: JSONValue
        do {
            json = try JSONParser.parse(headerBytes)
        } catch {
            throw fail("header is not valid JSON (\(error.reason))")
        }
        let header = try SafeTensorsHeader(json: json, path: path)
        try checkLayout(header.entries, dataStart: dataStart, fileSize: bytes.count, path: path)

        var tensors: [String: SafeTensor] = [:]
        for entry in header.entries {
            var tensor = SafeTensor(
                dtype: entry.dtype, shape: entry.shape,
                data: Array(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)]))
            tensor.errorLabel = "\(path): tensor '\(entry.name)'"
            tensors[entry.name] = tensor
        }
        var file = SafeTensorsFile(tensors: tensors, metadata: header.metadata)
        file.sourcePath = path
        return file
    }

    /// Tensor byte ranges must tile the data section exactly, as the reference reader requires.
    private static func checkLayout(
        _ entries: [SafeTensorsHeader.Entry], dataStart: Int, fileSize: Int, path: String
    ) throws(SafeTensorsError) {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(message: "\(path): \(problem)") }
        let dataSize = fileSize - dataStart
        let sorted = entries.sorted { a, b in
            (a.begin, a.end) != (b.begin, b.end) ? (a.begin, a.end) < (b.begin, b.end)
                : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        var covered = 0
        var previous: SafeTensorsHeader.Entry?
        for entry in sorted {
            if entry.begin < covered, let previous {
                throw fail("tensors '\(previous.name)' [\(previous.begin), \(previous.end)] and '\(entry.name)' [\(entry.begin), \(entry.end)] overlap")
            }
            if entry.begin > covered {
                throw fail("gap in tensor data: bytes [\(covered), \(entry.begin)) before tensor '\(entry.name)' belong to no tensor")
            }
            guard entry.end <= dataSize else {
                // UInt64 cannot overflow here: dataStart < 2^63 and end < 2^63.
                let endInFile = UInt64(dataStart) + UInt64(entry.end)
                throw fail("truncated: tensor '\(entry.name)' data ends at byte \(endInFile) but the file has \(fileSize)")
            }
            covered = entry.end
            previous = entry
        }
        guard covered == dataSize else {
            throw fail("\(dataSize - covered) bytes after the last tensor belong to no tensor (tensors cover \(covered) of \(dataSize) data bytes)")
        }
    }
}
