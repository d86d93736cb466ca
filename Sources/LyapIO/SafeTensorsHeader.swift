/// The JSON header of a safetensors file, checked entry by entry (but not yet against the byte buffer).
struct SafeTensorsHeader {
    struct Entry {
        let name: String
        let dtype: SafeTensorDType
        let shape: [Int]
        /// Byte range within the data section, which starts right after the header.
        let begin: Int
        let end: Int
    }

    var entries: [Entry] = []
    var metadata: [String: String] = [:]

    init(json: JSONValue, path: String) throws(SafeTensorsError) {
        guard case .object(let members) = json else {
            throw SafeTensorsError(message: "\(path): header is not a JSON object (found \(json.typeName))")
        }
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try Self.metadata(value, path: path)
            } else {
                entries.append(try Self.entry(key, value, path: path))
            }
        }
    }

    private static func metadata(_ value: JSONValue, path: String) throws(SafeTensorsError) -> [String: String] {
        if case .null = value { return [:] }
        guard case .object(let members) = value else {
            throw SafeTensorsError(message: "\(path): __metadata__ is \(value.typeName), expected an object of strings")
        }
        var metadata: [String: String] = [:]
        for (key, item) in members {
            guard case .string(let text) = item else {
                throw SafeTensorsError(message: "\(path): __metadata__ value for '\(key)' is \(item.typeName), expected a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func entry(_ name: String, _ value: JSONValue, path: String) throws(SafeTensorsError) -> Entry {
        func fail(_ problem: String) -> SafeTensorsError {
            SafeTensorsError(message: "\(path): tensor '\(name)' \(problem)")
        }
        guard case .object(let members) = value else { throw fail("entry is \(value.typeName), expected an object") }
        func field(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }

        guard case .string(let dtypeName)? = field("dtype") else { throw fail("has no \"dtype\" string") }
        guard let dtype = SafeTensorDType(rawValue: dtypeName) else { throw fail("has unknown dtype '\(dtypeName)'") }

        guard case .array(let dims)? = field("shape") else { throw fail("has no \"shape\" array") }
        var shape: [Int] = []
        for dim in dims {
            guard let size = dim.nonNegativeInt else { throw fail("shape must hold non-negative integers") }
            shape.append(size)
        }

        guard case .array(let offsets)? = field("data_offsets"), offsets.count == 2,
              let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt else {
            throw fail("data_offsets must be [begin, end], two non-negative integers")
        }
        guard begin <= end else { throw fail("data_offsets [\(begin), \(end)] end before they begin") }

        guard let byteCount = Self.byteCount(shape: shape, dtype: dtype) else {
            throw fail("shape \(shape) is too large")
        }
        guard end - begin == byteCount else {
            throw fail("data_offsets [\(begin), \(end)] do not match shape \(shape) of \(dtype.rawValue) (\(byteCount) bytes)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// Bytes needed for `shape`, or nil if that overflows Int.
    private static func byteCount(shape: [Int], dtype: SafeTensorDType) -> Int? {
        var count = dtype.byteSize
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
