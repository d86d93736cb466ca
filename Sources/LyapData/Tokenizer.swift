/// Splits review text into lowercase words.
///
/// The rule, exactly:
/// 1. Every `<br />` (the corpus' HTML line break; `BR` in any case) counts as a space.
/// 2. A word is a maximal run of word characters: ASCII letters, digits and the apostrophe `'`
///    (U+0027), and any non-ASCII scalar whose Unicode general category is a letter (L*), a decimal
///    digit (Nd) or a combining mark (M*, so that decomposed accents stay inside their word).
///    Everything else (spaces, punctuation, symbols, other quotes such as U+2019) separates words.
/// 3. Each word is lowercased with Swift's `String.lowercased()` (full Unicode lowercase mapping,
///    scalar by scalar); ASCII-only words take a byte-table fast path that gives the same result.
///
/// Words are compared and ranked as UTF-8 bytes, so `café` in NFC and in NFD are different words.
public enum Tokenizer {
    public static func words(_ text: String) -> [String] {
        var text = text
        var words = WordList()
        text.withUTF8 { WordScanner.scan($0, into: &words) }
        return words.strings
    }
}

/// The words of one text, lowercased, as UTF-8 bytes back to back.
struct WordList {
    var bytes: [UInt8] = []
    /// Word k is `bytes[ends[k - 1] ..< ends[k]]` (from 0 for the first).
    var ends: [Int] = []
    var count: Int { ends.count }

    func range(of k: Int) -> Range<Int> { (k == 0 ? 0 : ends[k - 1])..<ends[k] }

    var strings: [String] { (0..<count).map { String(decoding: bytes[range(of: $0)], as: UTF8.self) } }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}

/// The byte-level scanner behind `Tokenizer`. Input must be valid UTF-8 (readers validate first).
/// Closure-free and marked for optimisation so that debug builds (tests) also read the corpus fast.
enum WordScanner {
    /// Replaces `words` with the words of `text`.
    @_optimize(speed)
    static func scan(_ text: UnsafeBufferPointer<UInt8>, into words: inout WordList) {
        words.removeAll()
        let n = text.count
        var i = 0
        var runStart = -1
        var runHasNonASCII = false
        while i < n {
            let b = text[i]
            var endsRun = false
            var step = 1
            if b < 0x80 {
                if asciiKind[Int(b)] != 0 {
                    if runStart < 0 { runStart = i }
                } else {
                    endsRun = true
                    if b == 0x3C && isLineBreak(text, at: i) { step = 6 }  // "<br />"
                }
            } else {
                let (scalar, length) = decodeScalar(text, at: i)
                step = length
                if isWordScalar(scalar) {
                    if runStart < 0 { runStart = i }
                    runHasNonASCII = true
                } else {
                    endsRun = true
                }
            }
            if endsRun && runStart >= 0 {
                append(text, runStart, i, runHasNonASCII, to: &words)
                runStart = -1
                runHasNonASCII = false
            }
            i += step
        }
        if runStart >= 0 { append(text, runStart, n, runHasNonASCII, to: &words) }
    }

    @_optimize(speed)
    private static func append(
        _ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ hasNonASCII: Bool, to words: inout WordList
    ) {
        if hasNonASCII {
            let run = UnsafeBufferPointer(rebasing: text[start..<end])
            words.bytes.append(contentsOf: String(decoding: run, as: UTF8.self).lowercased().utf8)
        } else {
            for k in start..<end {
                let b = text[k]
                words.bytes.append(b &- 0x41 < 26 ? b | 0x20 : b)
            }
        }
        words.ends.append(words.bytes.count)
    }

    @_optimize(speed)
    private static func isLineBreak(_ t: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        i + 6 <= t.count && t[i + 1] | 0x20 == 0x62 && t[i + 2] | 0x20 == 0x72  // b, r
            && t[i + 3] == 0x20 && t[i + 4] == 0x2F && t[i + 5] == 0x3E  // " />"
    }
}

/// 1 for ASCII word bytes (letters, digits, apostrophe), 0 for separators.
private let asciiKind: [UInt8] = (0..<128).map { b -> UInt8 in
    switch b {
    case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x27: 1
    default: 0
    }
}

func isWordScalar(_ value: UInt32) -> Bool {
    guard let scalar = Unicode.Scalar(value) else { return false }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber:
        return true
    default:
        return false
    }
}

/// Decodes one scalar of VALID UTF-8 starting at a non-ASCII lead byte.
@_optimize(speed)
func decodeScalar(_ t: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
    let b0 = UInt32(t[i])
    if b0 & 0xE0 == 0xC0, i + 1 < t.count {
        return ((b0 & 0x1F) << 6 | UInt32(t[i + 1] & 0x3F), 2)
    }
    if b0 & 0xF0 == 0xE0, i + 2 < t.count {
        return ((b0 & 0x0F) << 12 | UInt32(t[i + 1] & 0x3F) << 6 | UInt32(t[i + 2] & 0x3F), 3)
    }
    if i + 3 < t.count {
        return (
            (b0 & 0x07) << 18 | UInt32(t[i + 1] & 0x3F) << 12 | UInt32(t[i + 2] & 0x3F) << 6
                | UInt32(t[i + 3] & 0x3F), 4
        )
    }
    return (0xFFFD, 1)  // unreachable for valid input; keeps the scan moving
}

enum TextCheck {
    /// True when the bytes are valid UTF-8 (ASCII fast path, then the standard library's validator).
    static func isValidUTF8(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        if isASCII(t) { return true }
        return String(validating: t, as: UTF8.self) != nil
    }

    @_optimize(speed)
    static func isASCII(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var acc: UInt8 = 0
        for b in t { acc |= b }
        return acc < 0x80
    }

    /// True when the (valid UTF-8) text has no scalar other than Unicode whitespace.
    @_optimize(speed)
    static func isBlank(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < t.count {
            let b = t[i]
            if b < 0x80 {
                if !(b == 0x20 || (0x09...0x0D).contains(b)) { return false }
                i += 1
            } else {
                let (value, length) = decodeScalar(t, at: i)
                guard let scalar = Unicode.Scalar(value), scalar.properties.isWhitespace else { return false }
                i += length
            }
        }
        return true
    }
}
