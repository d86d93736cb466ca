import Foundation
import LyapIO
import Testing
@testable import LyapReport

/// The overlaid report of several runs: what each figure draws.
struct MultiRunReportTests {
    func inputs() -> MultiRunInputs {
        var a = sampleMetrics(analysis: true)
        var b = sampleMetrics(analysis: true)
        b.testLoss = b.testLoss.map { $0.map { $0 - 0.1 + 0.001 } }
        b.testLoss[7] = 0.1  // run b's best epoch is 8; run a's is 4
        a.maxExponent[5] = nil  // epoch 6
        let la = (rule: "lab", epochs: [2, 4, 6, 8, 10], labels: ["order", "order", "chaos", "chaos", "chaos"])
        let rb = (rule: "reproduction", epochs: [2, 4, 6, 8, 10], labels: ["chaos", "order", "order", "order", "order"])
        return MultiRunInputs(runs: [.init(name: "a", metrics: a, chaosThreshold: -4.86, phases: [la]),
                                     .init(name: "b", metrics: b, chaosThreshold: nil, phases: [la, rb])],
                              rules: ["lab", "distance", "reproduction"])
    }

    func figure(_ r: MultiRunReport, _ id: String) throws -> Figure { try #require(r.figures.first { $0.id == id }) }

    @Test func overlaysEveryRunWithItsBestEpoch() throws {
        let r = MultiRunReport(inputs())
        #expect(r.figures.map(\.id) == ["runs-test-loss", "runs-exponent", "runs-distance", "phases-lab", "phases-reproduction"])
        let loss = try figure(r, "runs-test-loss")
        #expect(XMLCollector.parse(loss.svg) != nil)
        #expect(seriesPolylines(loss.svg, "a") == [10] && seriesPolylines(loss.svg, "b") == [10])
        let markers = XMLCollector.parse(loss.svg)!.elements.filter { $0.attrs["class"] == "vmarker" }
        #expect(markers.map { $0.attrs["data-label"]! } == ["best a", "best b"])
        #expect(markers.map { $0.attrs["data-x"]! } == ["4", "8"])
        // λ1: only analysed epochs, with the gap where a has none.
        #expect(seriesPolylines(try figure(r, "runs-exponent").svg, "a") == [2, 2])
        let distance = XMLCollector.parse(try figure(r, "runs-distance").svg)!
        #expect(distance.elements.compactMap { $0.attrs["class"] == "hline" ? $0.attrs["data-label"] : nil }
                == ["ln(ε√H) = -4.86", "−14.5 (reproduction rule)", "−14 (lab floor band)"])
        #expect(loss.tables[0].table.rows.count == 20)
    }

    @Test func phaseStripsPerRuleAndRun() throws {
        let r = MultiRunReport(inputs())
        let lab = XMLCollector.parse(try figure(r, "phases-lab").svg)!
        let bands = lab.elements.filter { $0.attrs["class"] == "band" }
        // Each run: order 2..6, chaos 6..10 (the last label held to the last epoch).
        #expect(bands.map { $0.attrs["data-label"]! } == ["order", "chaos", "order", "chaos"])
        #expect(bands.map { $0.attrs["data-x0"]! } == ["2", "6", "2", "6"])
        // Strips: the first run's bands lie below the second's.
        let ys = bands.map { Double($0.attrs["y"]!)! }
        #expect(ys[0] == ys[1] && ys[2] == ys[3] && ys[0] > ys[2])
        #expect(lab.elements.filter { $0.attrs["class"] == "ycategory" }.count == 2)
        #expect(lab.texts.contains("a") && lab.texts.contains("b"))
        // Only run b has reproduction labels; the distance rule has none at all, and the notes say so.
        #expect(try figure(r, "phases-reproduction").tables[0].table.rows.map { $0[0] } == ["b", "b"])
        #expect(r.notes.contains("Phases by the distance rule: no labels for a, b."))
        #expect(r.notes.contains("Phases by the reproduction rule: no labels for a."))
    }
}
