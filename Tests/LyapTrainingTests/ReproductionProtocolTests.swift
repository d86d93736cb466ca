import LyapCore
import LyapData
import LyapTraining
import Testing

/// `--protocol reproduction`: every piece of the reproduction's conventions, flags that repeat them accepted,
/// flags that contradict them refused with one line naming both.
struct ReproductionProtocolTests {
    @Test func conventionsOfTheReproduction() throws {
        var preset: InitPreset? = nil
        let c = try ReproductionProtocol.conventions(tokenizer: nil, padding: nil, vocabFrom: nil, padRow: nil, loss: nil,
                                                     initPreset: &preset)
        var expected = RunConventions()
        expected.protocol = "reproduction"
        expected.tokenizer = .reproduction
        expected.padding = .post
        expected.split = "pooled:0.7"
        expected.vocabularyFrom = .all
        expected.padRow = .zero
        expected.loss = .sigmoidBCE
        #expect(c == expected && preset == .reproduction)
        // Repeating the protocol's own choices changes nothing.
        var same: InitPreset? = .reproduction
        #expect(try ReproductionProtocol.conventions(tokenizer: .reproduction, padding: .post, vocabFrom: .all, padRow: .zero,
                                                     loss: .sigmoidBCE, initPreset: &same) == expected)
        let f = try ReproductionProtocol.framework(lstmBiases: nil, adamForm: nil)
        #expect(f.biases == .two && f.adamForm == .torch)
        #expect(try ReproductionProtocol.framework(lstmBiases: .two, adamForm: .torch).biases == .two)
    }

    @Test func contradictionsNameTheFlagAndTheProtocolsValue() {
        func message(_ body: () throws -> Void) -> String? {
            do { try body() } catch { return "\(error)" }
            return nil
        }
        var p: InitPreset? = nil
        #expect(message { _ = try ReproductionProtocol.conventions(tokenizer: .keras, padding: nil, vocabFrom: nil, padRow: nil, loss: nil, initPreset: &p) }
                == "--tokenizer keras contradicts --protocol reproduction, which uses reproduction")
        #expect(message { _ = try ReproductionProtocol.conventions(tokenizer: nil, padding: .pre, vocabFrom: nil, padRow: nil, loss: nil, initPreset: &p) }
                == "--padding pre contradicts --protocol reproduction, which uses post")
        #expect(message { _ = try ReproductionProtocol.conventions(tokenizer: nil, padding: nil, vocabFrom: nil, padRow: .trained, loss: nil, initPreset: &p) }
                == "--pad-row trained contradicts --protocol reproduction, which uses zero")
        var keras: InitPreset? = .keras
        #expect(message { _ = try ReproductionProtocol.conventions(tokenizer: nil, padding: nil, vocabFrom: nil, padRow: nil, loss: nil, initPreset: &keras) }
                == "--init-preset keras contradicts --protocol reproduction, which uses reproduction")
        #expect(keras == .keras, "a refused preset is left as given")
        #expect(message { _ = try ReproductionProtocol.framework(lstmBiases: .one, adamForm: nil) }
                == "--lstm-biases one contradicts --protocol reproduction, which uses two (nn.LSTM's b_ih and b_hh)")
        #expect(message { _ = try ReproductionProtocol.framework(lstmBiases: nil, adamForm: .keras) }
                == "--adam-form keras contradicts --protocol reproduction, which uses torch (torch.optim.Adam)")
    }
}
