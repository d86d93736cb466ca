import Testing
@testable import LyapData

@Suite struct TokenizerTests {
    @Test func lineBreaksAreSpaces() {
        #expect(Tokenizer.words("Great movie!<br /><br />Loved it.") == ["great", "movie", "loved", "it"])
        #expect(Tokenizer.words("end<br />start") == ["end", "start"])
        #expect(Tokenizer.words("x<BR />y") == ["x", "y"])
        // Only the exact "<br />" form is a line break: other spellings leave the word "br".
        #expect(Tokenizer.words("x<br>y") == ["x", "br", "y"])
    }

    @Test func lowercases() {
        #expect(Tokenizer.words("HeLLo WORLD") == ["hello", "world"])
    }

    @Test func apostrophesStayInWords() {
        #expect(Tokenizer.words("Don't stop 'til it's done") == ["don't", "stop", "'til", "it's", "done"])
        // The typographic apostrophe U+2019 is punctuation, not a word character.
        #expect(Tokenizer.words("don\u{2019}t") == ["don", "t"])
    }

    @Test func digitsAreWordCharacters() {
        #expect(Tokenizer.words("7/10 in 2009, 3rd") == ["7", "10", "in", "2009", "3rd"])
    }

    @Test func punctuationSeparates() {
        #expect(Tokenizer.words("well...ok,fine;(yes) semi-final a_b \"q\"") == ["well", "ok", "fine", "yes", "semi", "final", "a", "b", "q"])
    }

    @Test func nonASCIILettersAndDigits() {
        #expect(Tokenizer.words("Café CRÈME brûlée") == ["café", "crème", "brûlée"])
        #expect(Tokenizer.words("naïve—really") == ["naïve", "really"])  // em dash separates
        #expect(Tokenizer.words("Ünïcödé ΟΔΥΣΣΕΥΣ") == ["ünïcödé", "ΟΔΥΣΣΕΥΣ".lowercased()])
        #expect(Tokenizer.words("cafe\u{301}!") == ["cafe\u{301}"])  // combining mark stays in the word
        #expect(Tokenizer.words("٣ apples ½") == ["٣", "apples"])  // Nd is a digit, No (½) is not
        #expect(Tokenizer.words("İstanbul") == ["İstanbul".lowercased()])  // full mapping: i + U+0307
    }

    @Test func emptyAndPunctuationOnly() {
        #expect(Tokenizer.words("").isEmpty)
        #expect(Tokenizer.words("  ... !!! <br /> ").isEmpty)
    }

    /// The byte scanner against a plain scalar-by-scalar statement of the documented rule.
    @Test func matchesReferenceRuleOnMixedText() {
        let pieces = ["a", "Z", "é", "É", "'", " ", "<br />", "<BR />", "-", "9", "ß", "Σ", "\u{301}", "’", "x", ".", "日本", "\n", "½", "٣"]
        var rng = SplitMixForTests(seed: 42)
        for _ in 0..<300 {
            let text = (0..<rng.below(25)).map { _ in pieces[rng.below(pieces.count)] }.joined()
            #expect(Tokenizer.words(text) == referenceWords(text), "text: \(text.debugDescription)")
        }
    }

    private func referenceWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current).lowercased()) }
            current = String.UnicodeScalarView()
        }
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let rest = String(String.UnicodeScalarView(scalars[i..<min(i + 6, scalars.count)]))
            if rest.lowercased() == "<br />" {
                flush()
                i += 6
                continue
            }
            let s = scalars[i]
            let isWord: Bool
            if s.isASCII {
                isWord = s == "'" || ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
            } else {
                switch s.properties.generalCategory {
                case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                    .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber: isWord = true
                default: isWord = false
                }
            }
            if isWord { current.append(s) } else { flush() }
            i += 1
        }
        flush()
        return words
    }
}

/// A tiny deterministic generator for test inputs (not for data: data uses LabRNG).
struct SplitMixForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func below(_ n: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(n))
    }
}
