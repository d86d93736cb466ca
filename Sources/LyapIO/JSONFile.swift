import Foundation

/// Small JSON files in a run directory (config, summaries): pretty-printed, sorted keys, written atomically.
public enum JSONFile {
    public static func write<T: Encodable>(_ value: T, to path: String) throws(FileWriteError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw FileWriteError(message: "\(path): cannot encode JSON: \(describe(error))")
        }
        try AtomicFile.write(Array(data) + [UInt8(ascii: "\n")], to: path)
    }

    public static func read<T: Decodable>(_ type: T.Type, from path: String) throws(FileReadError) -> T {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.contents(atPath: path)
        } catch {
            throw FileReadError(message: "\(path): cannot read: \(error.reason)")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw FileReadError(message: "\(path): cannot decode JSON: \(describe(error))")
        }
    }

    /// One line for Foundation's coding errors, whose default descriptions are multi-line dumps.
    private static func describe(_ error: any Error) -> String {
        let context: (codingPath: [any CodingKey], debugDescription: String)?
        switch error {
        case EncodingError.invalidValue(_, let c): context = (c.codingPath, c.debugDescription)
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c),
             DecodingError.dataCorrupted(let c):
            context = (c.codingPath, c.debugDescription)
        case DecodingError.keyNotFound(let key, let c):
            context = (c.codingPath, "missing key '\(key.stringValue)'")
        default: context = nil
        }
        guard let context else { return oneLine("\(error)") }
        let location = context.codingPath.map(\.stringValue).joined(separator: ".")
        return oneLine(location.isEmpty ? context.debugDescription : "at '\(location)': \(context.debugDescription)")
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
