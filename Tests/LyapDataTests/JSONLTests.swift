import LyapIO
import Testing
@testable import LyapData

@Suite struct JSONLTests {
    @Test func goodFileIsUsedAsGiven() throws {
        let folder = try TemporaryFolder()
        let text = """
            {"tokens":[5,6,7],"label":1,"split":"train"}

            {"tokens":[1,2,3,4,5,6,7,8,9,10],"label":0,"split":"train","id":"extra keys are fine"}
            {"tokens":[4],"label":0,"split":"test"}\r
            {"tokens":[9, 9], "label":1, "split":"test"}
            """
        let path = try folder.write("data.jsonl", text)
        var options = smallOptions(vocabSize: 20, seqLen: 4)
        let dataset = try DatasetLoader.load(.path(path), options: options)
        // Negatives first, then positives; no start token added; pre-padded and pre-truncated.
        #expect(dataset.train.tokens == [7, 8, 9, 10, 0, 5, 6, 7])
        #expect(dataset.train.labels == [0, 1])
        // In line order the positive (line 1) comes before the negative (line 3).
        #expect(dataset.trainFileOrder == [1, 0])
        #expect(dataset.test.tokens == [0, 0, 0, 4, 0, 0, 9, 9])
        #expect(dataset.test.labels == [0, 1])
        #expect(dataset.sourceSHA256 == SHA256.hexDigest(of: Array(text.utf8)))
        #expect(dataset.source == path)
        options.seqLen = 12
        #expect(Array(try DatasetLoader.load(.path(path), options: options).train.row(0)) == [0, 0] + Array(1...10))
    }

    @Test(arguments: [
        (#"{"tokens":[1],"label":3,"split":"train"}"#, "label 3 (must be 0 or 1)"),
        (#"{"tokens":[1,10012],"label":0,"split":"train"}"#, "token id 10012 >= vocabulary size 10000 (--vocab)"),
        (#"{"tokens":[10000],"label":0,"split":"train"}"#, "token id 10000 >= vocabulary size 10000 (--vocab)"),
        (#"{"tokens":[-1],"label":0,"split":"train"}"#, "token id -1 is negative"),
        (#"{"tokens":[1],"label":0}"#, #"missing "split""#),
        (#"{"label":0,"split":"train"}"#, #"missing "tokens""#),
        (#"{"tokens":[1],"label":0,"split":"dev"}"#, #"split "dev" (must be "train" or "test")"#),
        (#"{"tokens":[],"label":0,"split":"train"}"#, "empty token list"),
        (#"{"tokens":[1],"label":0,"split":"train""#, "malformed JSON"),
        (#"[1, 2]"#, "not a JSON object"),
        (#"{"tokens":[1],"label":"1","split":"train"}"#, #""label" is not a number"#),
        (#"{"tokens":[1],"label":0.5,"split":"train"}"#, "label 0.5 (must be 0 or 1)"),
        (#"{"tokens":[1],"label":true,"split":"train"}"#, #""label" is not a number"#),
        (#"{"tokens":[1.5],"label":0,"split":"train"}"#, "token id 1.5 is not an integer"),
        (#"{"tokens":[1e30],"label":0,"split":"train"}"#, "token id 1e+30 >= vocabulary size 10000 (--vocab)"),
        (#"{"tokens":[1],"label":0,"split":7}"#, #""split" is not a string"#),
    ])
    func badLineNamesFileAndLine(line: String, problem: String) throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("data.jsonl", #"{"tokens":[1],"label":0,"split":"test"}"# + "\n" + line + "\n")
        var options = DataOptions()
        options.vocabSize = 10000
        let message = dataErrorMessage { _ = try DatasetLoader.load(.path(path), options: options) }
        #expect(message?.hasPrefix("\(path):2: ") == true, "got \(message ?? "no error")")
        #expect(message?.contains(problem) == true, "got \(message ?? "no error")")
    }

    @Test func missingSplitIsAnError() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("data.jsonl", #"{"tokens":[1],"label":0,"split":"train"}"#)
        let message = dataErrorMessage { _ = try DatasetLoader.load(.path(path), options: DataOptions()) }
        #expect(message == "\(path): no test reviews (each line needs \"split\": \"train\" or \"test\")")
    }
}
