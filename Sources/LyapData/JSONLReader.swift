import Foundation
import LyapIO

/// Reads pre-tokenized reviews, one JSON object per line:
/// `{"tokens":[...],"label":0|1,"split":"train"|"test"}`. Blank lines are ignored and other keys
/// are allowed. Tokens are used exactly as given (no start token is added); each must be in
/// `0..<vocabSize`. Each split comes back in canonical order: negatives then positives, each in
/// line order; `trainLines[i]` is the rank in file order of canonical training review i (what
/// `--no-shuffle` trains in).
enum JSONLReader {
    /// Numbers decode as Double so that 1.5 gets a clear message (Foundation's Int decoding calls it
    /// "not valid JSON"); ids and labels must then be exact integers in range.
    private struct Record: Decodable {
        var tokens: [Double]
        var label: Double
        var split: String
    }

    static func read(_ path: String, vocabSize: Int) throws(DataError)
        -> (train: [TokenizedReview], test: [TokenizedReview], trainLines: [Int], sha256: String) {
        let bytes = try FileBytes.read(path)
        var splits: [[TokenizedReview]] = [[], []]
        let decoder = JSONDecoder()
        var lineNumber = 0
        var lineStart = 0
        while lineStart < bytes.count {
            lineNumber += 1
            let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
            let line = bytes[lineStart..<lineEnd]
            lineStart = lineEnd + 1
            guard line.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D) }) else { continue }
            let at = "\(path):\(lineNumber)"
            let record: Record
            do {
                record = try decoder.decode(Record.self, from: Data(line))
            } catch let error as DecodingError {
                throw DataError("\(at): \(describe(error))")
            } catch {
                throw DataError("\(at): malformed JSON")
            }
            guard record.label == 0 || record.label == 1 else { throw DataError("\(at): label \(show(record.label)) (must be 0 or 1)") }
            let split: Split
            switch record.split {
            case "train": split = .train
            case "test": split = .test
            default: throw DataError("\(at): split \"\(record.split)\" (must be \"train\" or \"test\")")
            }
            guard !record.tokens.isEmpty else { throw DataError("\(at): empty token list") }
            var ids: [Int32] = []
            ids.reserveCapacity(record.tokens.count)
            for token in record.tokens {
                guard token >= 0 else { throw DataError("\(at): token id \(show(token)) is negative") }
                guard token < Double(vocabSize) else { throw DataError("\(at): token id \(show(token)) >= vocabulary size \(vocabSize) (--vocab)") }
                guard token == token.rounded() else { throw DataError("\(at): token id \(show(token)) is not an integer") }
                ids.append(Int32(token))
            }
            splits[split.rawValue].append(TokenizedReview(label: UInt8(record.label), ids: ids))
        }
        for split in Split.allCases where splits[split.rawValue].isEmpty {
            throw DataError("\(path): no \(split.name) reviews (each line needs \"split\": \"train\" or \"test\")")
        }
        let canonical = splits.map { reviews in reviews.indices.filter { reviews[$0].label == 0 } + reviews.indices.filter { reviews[$0].label == 1 } }
        return (canonical[0].map { splits[0][$0] }, canonical[1].map { splits[1][$0] }, canonical[0], SHA256.hexDigest(of: bytes))
    }

    /// 3 rather than 3.0; other values as Swift prints them.
    private static func show(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }

    private static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the line" : "\"" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "\""
        }
        switch error {
        case .keyNotFound(let key, _):
            return "missing \"\(key.stringValue)\""
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return "not a JSON object"
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)) is not \(type == Double.self ? "a number" : type == String.self ? "a string" : "\(type)")"
        case .valueNotFound(_, let context):
            return "\(field(context.codingPath)) is null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "malformed JSON" : "\(field(context.codingPath)) is not valid (\(context.debugDescription))"
        @unknown default:
            return "malformed JSON"
        }
    }
}
