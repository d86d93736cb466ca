/// The public PyTorch reproduction's tokenizer (`IMDBDataset.text_to_indices`): Python's
/// `text.lower().split()`, then `re.sub(r'[^a-zA-Z0-9]', '', word)` on each word, empty words dropped.
///
/// Exactly, scalar by scalar:
/// - `str.split()` with no argument splits at runs of the scalars Python's `str.isspace` accepts
///   (`isPythonSpace`), which include U+001C..U+001F and U+0085 besides Unicode White_Space.
/// - Nothing else separates words: punctuation inside a word is deleted, so `don't` is `dont` and the
///   corpus' `movie.<br /><br />The` is `moviebr`, `br`, `the`.
/// - After `lower()` only ASCII letters and digits survive. The only non-ASCII scalars whose lowercase
///   holds one are U+0130 (İ -> i + U+0307) and U+212A (Kelvin sign -> k); every other is deleted.
public enum ReproductionTokenizer {
    public static func words(_ text: String) -> [String] {
        var text = text
        var words = WordList()
        text.withUTF8 { ReproductionScanner.scan($0, into: &words) }
        return words.strings
    }
}

/// The byte-level scanner behind `ReproductionTokenizer`. Input must be valid UTF-8.
enum ReproductionScanner {
    @_optimize(speed)
    static func scan(_ text: UnsafeBufferPointer<UInt8>, into words: inout WordList) {
        words.removeAll()
        let n = text.count
        var i = 0
        func endWord(_ words: inout WordList) {
            if words.bytes.count > (words.ends.last ?? 0) { words.ends.append(words.bytes.count) }
        }
        while i < n {
            let b = text[i]
            if b < 0x80 {
                i += 1
                switch b {
                case 0x09...0x0D, 0x1C...0x1F, 0x20: endWord(&words)
                case 0x41...0x5A: words.bytes.append(b | 0x20)
                case 0x61...0x7A, 0x30...0x39: words.bytes.append(b)
                default: break
                }
            } else {
                let (scalar, length) = decodeScalar(text, at: i)
                i += length
                if isPythonSpace(scalar) {
                    endWord(&words)
                } else if scalar == 0x130 {
                    words.bytes.append(0x69)  // i
                } else if scalar == 0x212A {
                    words.bytes.append(0x6B)  // k
                }
            }
        }
        endWord(&words)
    }

    /// Python 3's `str.isspace` for non-ASCII scalars (bidirectional class WS, B or S, or category Zs).
    static func isPythonSpace(_ v: UInt32) -> Bool {
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }
}
