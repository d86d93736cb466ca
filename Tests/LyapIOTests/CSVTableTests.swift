import Testing
import LyapIO

@Suite("CSV tables")
struct CSVTableTests {
    @Test("plain fields are written bare, one line each, with a final newline")
    func plainEncoding() {
        let table = CSVTable(header: ["epoch", "loss"], rows: [["1", "0.693"], ["2", "0.5"]])
        #expect(table.encoded() == "epoch,loss\n1,0.693\n2,0.5\n")
    }

    @Test("fields with commas, quotes or line breaks are quoted, quotes doubled")
    func quotedEncoding() {
        let table = CSVTable(header: ["a", "b", "c", "d"], rows: [["x,y", "say \"hi\"", "two\nlines", "cr\r\nlf"]])
        #expect(table.encoded() == "a,b,c,d\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\nlf\"\n")
    }

    @Test("tricky fields survive write then read")
    func quotingRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let table = CSVTable(
            header: ["name", "value", "note"],
            rows: [
                ["", "", ""],
                ["comma,inside", "\"", "\"\""],
                ["line\nbreak", "crlf\r\nend", " spaces "],
                ["ünïcødé ✓", "trailing\n", ",\n\""],
            ])
        let path = dir.file("metrics.csv")
        try table.write(path: path)
        #expect(try CSVTable.read(path: path) == table)
    }

    @Test("a one-column table with empty fields round trips")
    func singleEmptyColumn() throws {
        let table = CSVTable(header: ["only"], rows: [[""], ["x"], [""]])
        #expect(table.encoded() == "only\n\"\"\nx\n\"\"\n")
        #expect(try CSVTable.decode(table.encoded(), path: "t.csv") == table)
    }

    @Test("CRLF line ends and a missing final newline are read")
    func lenientLineEnds() throws {
        let table = try CSVTable.decode("a,b\r\n1,\"2\"\r\n3,4", path: "t.csv")
        #expect(table == CSVTable(header: ["a", "b"], rows: [["1", "2"], ["3", "4"]]))
    }

    @Test(arguments: [
        ("a,b\n1,2,3\n", "t.csv: line 2: 3 fields, but the header has 2"),
        ("a,b\n\"open,2\n", "t.csv: line 2: quoted field is never closed"),
        ("a,b\n\"x\"y,2\n", "t.csv: line 2: unexpected character after a closing quote"),
        ("a,b\nx\"y,2\n", "t.csv: line 2: quote inside an unquoted field"),
        ("", "t.csv: empty file, expected a header line"),
        ("a,b\n\"multi\nline\",1\n3\n", "t.csv: line 4: 1 fields, but the header has 2"),
    ])
    func malformed(text: String, message: String) {
        #expect {
            try CSVTable.decode(text, path: "t.csv")
        } throws: { error in
            (error as? FileReadError)?.message == message
        }
    }

    @Test("reading a missing file names it")
    func missingFile() {
        #expect {
            try CSVTable.read(path: "/nonexistent-lyap/metrics.csv")
        } throws: { error in
            (error as? FileReadError)?.message == "/nonexistent-lyap/metrics.csv: cannot read: No such file or directory"
        }
    }
}
