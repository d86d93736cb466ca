/// A parsed JSON document. Numbers keep their literal text so that integers are never
/// rounded through Double (safetensors offsets may exceed 2^53).
indirect enum JSONValue {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// The value if it is a JSON integer literal between 0 and Int.max, else nil.
    var nonNegativeInt: Int? {
        guard case .number(let literal) = self,
              literal.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = UInt64(literal) else { return nil }
        return Int(exactly: value)
    }

    var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}
