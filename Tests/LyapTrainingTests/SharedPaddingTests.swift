import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapData
@testable import LyapTraining

/// config.json's `sharedPadding` and the CPU backends built from it: runs written before it decode as unshared
/// and get a backend without the shared pad prefix; a run that records it gets the pad id, unless its
/// batches are post-padded.
struct SharedPaddingTests {
    @Test func oldConfigDecodesAsUnsharedAndBuildsAnUnsharedBackend() throws {
        let json = try JSONEncoder().encode(RunConventionsTests.config())
        #expect(!String(decoding: json, as: UTF8.self).contains("sharedPadding"))
        let old = try JSONDecoder().decode(RunConfig.self, from: json)
        #expect(old.sharedPadding == nil && !old.sharesPadPrefix && old.sharedPadID == nil)
        #expect(CPUBackends.forRun(old, Float.self).sharedPadID == nil)
        #expect(CPUBackends.forRun(old, Double.self).sharedPadID == nil)
    }

    @Test(arguments: [true, false])
    func theChoiceRoundTripsAndReachesTheBackend(_ shared: Bool) throws {
        var c = RunConventionsTests.config()
        c.sharedPadding = shared
        let text = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        #expect(text.contains("\"sharedPadding\":\(shared)"))
        let back = try JSONDecoder().decode(RunConfig.self, from: Data(text.utf8))
        #expect(back == c && back.sharesPadPrefix == shared)
        let expected: Int32? = shared ? Vocabulary.padID : nil
        #expect(back.sharedPadID == expected)
        #expect(CPUBackends.forRun(back, Float.self).sharedPadID == expected)
        #expect(CPUBackends.forRun(back, Double.self).sharedPadID == expected)
    }

    /// A post-padded run has no pad prefix: even a recorded true gives no shared id.
    @Test func postPaddingSharesNothing() {
        var c = RunConventionsTests.config()
        c.sharedPadding = true
        c.conventions = RunConventions()
        c.conventions?.padding = .post
        #expect(c.sharedPadID == nil && CPUBackends.forRun(c, Float.self).sharedPadID == nil)
    }

    @Test func newRunsShareOnTheCPUWithPrePaddingOnly() {
        #expect(SharedPadding.forNewRun(disabled: false, padding: .pre, backend: "cpu"))
        #expect(!SharedPadding.forNewRun(disabled: true, padding: .pre, backend: "cpu"))
        #expect(!SharedPadding.forNewRun(disabled: false, padding: .post, backend: "cpu"))
        #expect(!SharedPadding.forNewRun(disabled: false, padding: .pre, backend: "vulkan:0 llvmpipe"))
    }

    /// The helper keeps the run's other backend settings (what the direct constructions set before it).
    @Test func forRunKeepsTheRunsConventions() {
        var c = RunConventionsTests.config()
        c.lstmBiases = .two
        c.conventions = RunConventions()
        c.conventions?.padRow = .zero
        c.conventions?.loss = .sigmoidBCE
        let b = CPUBackends.forRun(c, Double.self)
        #expect(b.shape == c.model && b.padRow == .zero && b.loss == .sigmoidBCE && b.sharedPadID == nil)
        #expect(b.model.layout == c.layout && b.model.threads == c.threads)
    }
}
