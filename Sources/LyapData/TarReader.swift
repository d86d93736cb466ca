/// One archive member, with the long name already resolved (GNU `././@LongLink`, pax `path`).
struct TarEntry {
    enum Kind { case regularFile, directory, other }
    var path: String
    var kind: Kind
    var size: Int
}

/// Streams tar members out of a `GzipFileReader`: ustar and GNU headers, GNU long names (`L`),
/// pax extended headers (`x`: `path` and `size` apply to the next member; `g` global headers are
/// read and ignored). After `next()`, call `readData` or `skipData` before the next `next()`.
final class TarReader {
    private let source: GzipFileReader
    private var header = [UInt8](repeating: 0, count: 512)
    private var scratch = [UInt8](repeating: 0, count: 1 << 16)
    private var offset = 0  // bytes of tar stream consumed, for error messages
    private var pendingData = 0
    private var archivePath: String { source.path }

    init(source: GzipFileReader) { self.source = source }

    /// The next member, or nil at the end-of-archive marker (or a clean end of the stream).
    func next() throws(DataError) -> TarEntry? {
        var longName: String? = nil
        var paxPath: String? = nil
        var paxSize: Int? = nil
        while true {
            let headerOffset = offset
            let got = try readFully(&header, count: 512)
            if got == 0 { return nil }
            guard got == 512 else { throw truncated() }
            if header.allSatisfy({ $0 == 0 }) { return nil }
            guard checksumMatches() else {
                throw DataError("\(archivePath): not a tar archive (bad header checksum at byte \(headerOffset) of the tar stream)")
            }
            guard var size = octal(124, 12) else { throw corrupt(headerOffset, "size field") }
            let type = header[156]
            switch type {
            case UInt8(ascii: "L"):
                longName = cString(try readSmallMember(size))
                continue
            case UInt8(ascii: "x"):
                let records = try parsePax(try readSmallMember(size), at: headerOffset)
                if let p = records["path"] { paxPath = p }
                if let s = records["size"] {
                    guard let value = Int(s), value >= 0 else { throw corrupt(headerOffset, "pax size") }
                    paxSize = value
                }
                continue
            case UInt8(ascii: "g"), UInt8(ascii: "K"):
                _ = try readSmallMember(size)
                continue
            default:
                break
            }
            if let s = paxSize { size = s }
            let kind: TarEntry.Kind
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .regularFile
            case UInt8(ascii: "5"): kind = .directory
            default: kind = .other
            }
            // Header-only types carry no data whatever their size field says (as Go's archive/tar).
            if (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(type) { size = 0 }
            pendingData = size
            return TarEntry(path: paxPath ?? longName ?? ustarName(), kind: kind, size: size)
        }
    }

    /// Reads the current member's data into `buffer` (resized to the member's size).
    func readData(into buffer: inout [UInt8]) throws(DataError) {
        let size = pendingData
        if buffer.count != size { buffer = [UInt8](repeating: 0, count: size) }
        guard try readFully(&buffer, count: size) == size else { throw truncated() }
        try skipPadding(size)
        pendingData = 0
    }

    /// SHA-256 of the whole archive file (reads what is left of it).
    func finishHashing() throws(DataError) -> String { try source.finishHashing() }

    func skipData() throws(DataError) {
        var left = pendingData
        while left > 0 {
            let chunk = min(left, scratch.count)
            guard try readFully(&scratch, count: chunk) == chunk else { throw truncated() }
            left -= chunk
        }
        try skipPadding(pendingData)
        pendingData = 0
    }

    private func skipPadding(_ size: Int) throws(DataError) {
        let pad = (512 - size % 512) % 512
        guard try readFully(&scratch, count: pad) == pad else { throw truncated() }
    }

    private func readSmallMember(_ size: Int) throws(DataError) -> [UInt8] {
        guard size <= 1 << 20 else { throw corrupt(offset - 512, "extended header larger than 1 MiB") }
        pendingData = size
        var data: [UInt8] = []
        try readData(into: &data)
        return data
    }

    private func readFully(_ buffer: inout [UInt8], count: Int) throws(DataError) -> Int {
        guard count > 0 else { return 0 }
        let got = try buffer.withUnsafeMutableBytes { raw in
            Result { () throws(DataError) in try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count])) }
        }.get()
        offset += got
        return got
    }

    private func checksumMatches() -> Bool {
        guard let stored = octal(148, 8) else { return false }
        var unsigned = 0
        var signed = 0
        for (i, b) in header.enumerated() {
            let v = (148..<156).contains(i) ? 0x20 : b
            unsigned += Int(v)
            signed += Int(Int8(bitPattern: v))
        }
        return stored == unsigned || stored == signed
    }

    /// A numeric field: octal ASCII (space/NUL padded), or GNU base-256 when the top bit is set.
    private func octal(_ start: Int, _ length: Int) -> Int? {
        let field = header[start..<start + length]
        if let first = field.first, first & 0x80 != 0 {
            guard first == 0x80 else { return nil }  // negative or huge: not a size we accept
            var value = 0
            for b in field.dropFirst() {
                guard value < Int.max >> 9 else { return nil }
                value = value << 8 | Int(b)
            }
            return value
        }
        var value = 0
        var digits = 0
        for b in field {
            if b == 0 || b == 0x20 {
                if digits > 0 { break } else { continue }
            }
            guard (0x30...0x37).contains(b), value < Int.max >> 4 else { return nil }
            value = value * 8 + Int(b - 0x30)
            digits += 1
        }
        return value
    }

    private func ustarName() -> String {
        let name = cString(header[0..<100])
        let isPOSIXUstar = header[257..<263].elementsEqual("ustar\0".utf8)
        let prefix = isPOSIXUstar ? cString(header[345..<500]) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private func cString(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// pax records: "<length> <key>=<value>\n", length counting the whole record.
    private func parsePax(_ data: [UInt8], at headerOffset: Int) throws(DataError) -> [String: String] {
        var records: [String: String] = [:]
        var i = 0
        while i < data.count {
            if data[i] == 0 { break }
            var length = 0
            var j = i
            while j < data.count, (0x30...0x39).contains(data[j]), length < 1 << 30 {
                length = length * 10 + Int(data[j] - 0x30)
                j += 1
            }
            guard j < data.count, data[j] == 0x20, length > j - i + 1, i + length <= data.count,
                data[i + length - 1] == 0x0A
            else { throw corrupt(headerOffset, "pax record") }
            let body = data[(j + 1)..<(i + length - 1)]
            guard let eq = body.firstIndex(of: UInt8(ascii: "=")) else { throw corrupt(headerOffset, "pax record") }
            let key = String(decoding: body[body.startIndex..<eq], as: UTF8.self)
            records[key] = String(decoding: body[(eq + 1)...], as: UTF8.self)
            i += length
        }
        return records
    }

    private func truncated() -> DataError {
        DataError("\(archivePath): the tar stream ends in the middle of a member (the archive is truncated)")
    }

    private func corrupt(_ headerOffset: Int, _ what: String) -> DataError {
        DataError("\(archivePath): corrupt tar header at byte \(headerOffset) (\(what))")
    }
}
