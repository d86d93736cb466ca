/// A small CSV table (such as metrics.csv, rewritten whole each epoch), with RFC 4180 quoting.
public struct CSVTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    /// Lines end in "\n", the last one too. Fields holding a comma, quote or line break are quoted.
    public func encoded() -> String {
        ([header] + rows).map(Self.encodeRecord).joined()
    }

    public func write(path: String) throws(FileWriteError) {
        try AtomicFile.write(encoded(), to: path)
    }

    public static func read(path: String) throws(FileReadError) -> CSVTable {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.contents(atPath: path)
        } catch {
            throw FileReadError(message: "\(path): cannot read: \(error.reason)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FileReadError(message: "\(path): not valid UTF-8")
        }
        return try decode(text, path: path)
    }

    /// Parses CSV text; every row must have as many fields as the header. `path` only names it in errors.
    public static func decode(_ text: String, path: String) throws(FileReadError) -> CSVTable {
        let records: [CSVRecordParser.Record]
        do {
            records = try CSVRecordParser.records(in: text)
        } catch {
            throw FileReadError(message: "\(path): line \(error.line): \(error.reason)")
        }
        guard let first = records.first else { throw FileReadError(message: "\(path): empty file, expected a header line") }
        for record in records.dropFirst() where record.fields.count != first.fields.count {
            throw FileReadError(
                message: "\(path): line \(record.line): \(record.fields.count) fields, but the header has \(first.fields.count)")
        }
        return CSVTable(header: first.fields, rows: records.dropFirst().map(\.fields))
    }

    private static func encodeRecord(_ fields: [String]) -> String {
        // A lone empty field would be a blank line, which reads back ambiguously; quote it.
        if fields == [""] { return "\"\"\n" }
        return fields.map(encodeField).joined(separator: ",") + "\n"
    }

    private static func encodeField(_ field: String) -> String {
        let needsQuotes = field.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
