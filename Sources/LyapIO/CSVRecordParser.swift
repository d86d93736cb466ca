/// Splits CSV text into records (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks).
/// Accepts "\n" and "\r\n" line ends and an optional final line end.
enum CSVRecordParser {
    struct Record {
        /// 1-based line on which the record starts.
        let line: Int
        let fields: [String]
    }

    struct Failure: Error {
        let line: Int
        let reason: String
    }

    static func records(in text: String) throws(Failure) -> [Record] {
        let bytes = Array(text.utf8)
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var index = 0
        var line = 1
        var recordLine = 1

        func finishRecord() {
            fields.append(String(decoding: field, as: UTF8.self))
            records.append(Record(line: recordLine, fields: fields))
            fields = []
            field = []
        }

        while index < bytes.count {
            if field.isEmpty && bytes[index] == UInt8(ascii: "\"") {
                index = try readQuoted(bytes, from: index + 1, into: &field, line: &line)
                guard index == bytes.count || bytes[index] == UInt8(ascii: ",") || bytes[index] == UInt8(ascii: "\n")
                    || (bytes[index] == UInt8(ascii: "\r") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n"))
                else {
                    throw Failure(line: line, reason: "unexpected character after a closing quote")
                }
                continue
            }
            switch bytes[index] {
            case UInt8(ascii: ","):
                fields.append(String(decoding: field, as: UTF8.self))
                field = []
                index += 1
            case UInt8(ascii: "\r") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n"):
                index += 1
            case UInt8(ascii: "\n"):
                finishRecord()
                index += 1
                line += 1
                recordLine = line
            case UInt8(ascii: "\""):
                throw Failure(line: line, reason: "quote inside an unquoted field")
            default:
                field.append(bytes[index])
                index += 1
            }
        }
        if !fields.isEmpty || !field.isEmpty || (index > 0 && bytes[index - 1] == UInt8(ascii: "\"")) {
            finishRecord()
        }
        return records
    }

    /// Reads a quoted field body starting after its opening quote; returns the index after the closing quote.
    private static func readQuoted(_ bytes: [UInt8], from start: Int, into field: inout [UInt8], line: inout Int) throws(Failure) -> Int {
        let openingLine = line
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                    field.append(byte)
                    index += 2
                    continue
                }
                return index + 1
            }
            if byte == UInt8(ascii: "\n") { line += 1 }
            field.append(byte)
            index += 1
        }
        throw Failure(line: openingLine, reason: "quoted field is never closed")
    }
}
