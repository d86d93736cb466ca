import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LyapIO
import Testing
@testable import LyapReport

/// The sweep report on a small hand-made sweep: every SVG well-formed, the expected heatmaps and series.
struct SweepReportTests {
    static func makeSweep(phase: Bool) throws -> String {
        let dir = NSTemporaryDirectory() + "lyap-sweep-report-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var header = ["variant", "label_noise", "width", "seed", "epoch", "train_loss", "train_error", "test_loss", "test_error"]
        if phase { header += ["max_exponent", "distance_initial", "distance_end_of_drive", "floor_fraction", "phase"] }
        var rows: [[String]] = []
        for p in ["0", "0.2"] {
            for w in [1, 2, 4] {
                for s in ["0", "1"] {
                    for e in 1...3 {
                        let train = w >= 2 && e == 3 && p == "0" ? 0 : 0.3 / Double(w * e)
                        var r = ["trainable", p, String(w), s, String(e), "0.5", String(train), "0.6", String(0.4 + 0.01 * Double(w))]
                        if phase { r += e == 2 ? ["0.1", "-1", "-2", "0", w == 4 ? "chaos" : "order"] : ["", "", "", "", ""] }
                        rows.append(r)
                    }
                }
            }
        }
        try CSVTable(header: header, rows: rows).write(path: dir + "/sweep.csv")
        let json = #"{"interpolation_thresholds": [{"variant": "trainable", "label_noise": "0", "width": 2}, {"variant": "trainable", "label_noise": "0.2", "width": null}]}"#
        try json.write(toFile: dir + "/sweep.json", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func heatmapsAndErrorVsWidth() throws {
        let dir = try Self.makeSweep(phase: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(SweepReport.isSweep(dir))
        let r = try SweepReport(dir: dir)
        #expect(r.figures.map(\.id) == ["final-error-vs-width-trainable",
                                        "test-error-trainable-p0", "train-error-trainable-p0", "phase-trainable-p0",
                                        "test-error-trainable-p0.2", "train-error-trainable-p0.2", "phase-trainable-p0.2"])
        for f in r.figures { #expect(XMLCollector.parse(f.svg) != nil, "\(f.id) is not well-formed XML") }
        let curve = r.figures[0]
        for name in ["test, p=0", "train, p=0", "test, p=0.2", "train, p=0.2"] {
            #expect(seriesPolylines(curve.svg, name).reduce(0, +) == 3, "series \(name)")
        }
        #expect(curve.svg.contains("H*(0)") && !curve.svg.contains("H*(0.2)"))
        let finals = try #require(curve.tables.first?.table)
        #expect(finals.rows.first == ["0", "1", "0.41", "0.1"])
        let heat = try #require(XMLCollector.parse(r.figures[1].svg))
        #expect(heat.elements.filter { $0.attrs["class"] == "cell" }.count == 9)
        let phase = try #require(XMLCollector.parse(r.figures[3].svg))
        #expect(phase.elements.filter { $0.attrs["class"] == "cell" && $0.attrs["fill"] == Palette.phaseFill("chaos") }.count == 1)
        #expect(r.summary.contains { $0.0 == "H*(p=0), trainable" && $0.1 == "2" })
        let files = try r.write(to: dir + "/report")
        #expect(files.contains("report.html") && files.contains("test-error-trainable-p0.csv"))
        #expect(XMLCollector.parse(try String(contentsOfFile: dir + "/report/phase-trainable-p0.svg", encoding: .utf8)) != nil)
    }

    @Test func withoutAnalysisThereIsNoPhaseFigure() throws {
        let dir = try Self.makeSweep(phase: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SweepReport(dir: dir)
        #expect(r.figures.count == 5 && !r.figures.contains { $0.id.hasPrefix("phase") })
        #expect(r.notes.contains { $0.contains("--analyze-every") })
    }
}
