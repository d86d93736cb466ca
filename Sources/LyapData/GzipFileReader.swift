import CZlib
import LyapIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a gzip file as a stream of inflated bytes (zlib, windowBits 15+32: gzip or zlib header),
/// hashing the compressed file bytes on the way so that the whole file gets its SHA-256 in one pass.
/// Concatenated gzip members are read as one stream, as `gzip -d` does.
final class GzipFileReader {
    let path: String
    private let file: UnsafeMutablePointer<FILE>
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutablePointer<UInt8>
    private let inputCapacity = 1 << 20
    private var fileAtEnd = false
    private var streamAtEnd = false
    private var hasher = SHA256()

    init(path: String) throws(DataError) {
        self.path = path
        guard let file = fopen(path, "rb") else { throw DataError("\(path): cannot open (\(String(cString: strerror(errno))))") }
        self.file = file
        input = .allocate(capacity: inputCapacity)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            fclose(file)
            input.deallocate()
            stream.deallocate()
            throw DataError("\(path): cannot start zlib (status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
        fclose(file)
    }

    /// Fills `destination` completely; fewer bytes only at the end of the stream. Returns the count.
    func read(into destination: UnsafeMutableRawBufferPointer) throws(DataError) -> Int {
        guard let base = destination.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var produced = 0
        while produced < destination.count && !streamAtEnd {
            if stream.pointee.avail_in == 0 {
                try refill()
                if stream.pointee.avail_in == 0 {
                    throw DataError("\(path): unexpected end of gzip data (the archive is truncated)")
                }
            }
            let want = min(destination.count - produced, Int(UInt32.max))
            stream.pointee.next_out = base + produced
            stream.pointee.avail_out = UInt32(want)
            let status = inflate(stream, Z_NO_FLUSH)
            produced += want - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                try startNextMemberOrFinish()
            default:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                throw DataError("\(path): corrupt gzip data (\(detail))")
            }
        }
        return produced
    }

    /// Reads the rest of the file (without inflating) and returns the SHA-256 of all its bytes.
    func finishHashing() throws(DataError) -> String {
        stream.pointee.avail_in = 0
        while !fileAtEnd { try refill() }
        return hasher.finalizeHex()
    }

    private func refill() throws(DataError) {
        guard !fileAtEnd else { return }
        let got = fread(input, 1, inputCapacity, file)
        if got < inputCapacity {
            if ferror(file) != 0 { throw DataError("\(path): read error") }
            fileAtEnd = true
        }
        hasher.update(UnsafeRawBufferPointer(start: input, count: got))
        stream.pointee.next_in = input
        stream.pointee.avail_in = UInt32(got)
    }

    /// After one gzip member ends, another may follow (`cat a.gz b.gz`); anything else ends the stream.
    private func startNextMemberOrFinish() throws(DataError) {
        if stream.pointee.avail_in == 0 { try refill() }
        guard stream.pointee.avail_in >= 2, stream.pointee.next_in[0] == 0x1F, stream.pointee.next_in[1] == 0x8B else {
            streamAtEnd = true
            return
        }
        inflateReset(stream)
    }
}
