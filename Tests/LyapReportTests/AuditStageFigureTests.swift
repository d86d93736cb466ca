import Foundation
import LyapIO
import Testing
@testable import LyapReport

/// Log axes, the audit divergence figure and the loss-stage figures.
@Suite struct AuditStageFigureTests {
    /// The content of every <text> element (XMLParser hands non-ASCII text over in pieces).
    func labels(_ svg: String) -> [String] {
        svg.components(separatedBy: "</text>").dropLast().compactMap { $0.split(separator: ">").last.map(String.init) }
    }

    @Test func logAxisDrawsDecadesAndBreaksAtNonPositiveValues() throws {
        var c = Chart(id: "l", title: "L", xLabel: "x", yLabel: "y")
        c.yLog = true
        c.lines = [LineSeries(name: "d", x: [0, 1, 2, 3], y: [1e-5, 1e-3, 0, 1e-1], color: "#000")]
        c.hlines = [HLine(y: 1e-2, label: "ref"), HLine(y: -1, label: "dropped")]
        let svg = c.render()
        let p = try #require(XMLCollector.parse(svg))
        #expect(seriesPolylines(svg, "d") == [2, 1])  // the zero is a gap
        #expect(p.elements.filter { $0.attrs["class"] == "ytick" }.count >= 5)
        for label in ["10⁻⁵", "10⁻³", "10⁻¹"] { #expect(labels(svg).contains(label), "\(label)") }
        #expect(p.elements.filter { $0.attrs["class"] == "hline" }.map { $0.attrs["data-label"] } == ["ref"])
        #expect(Ticks.decade(0) == "1" && Ticks.decade(1) == "10" && Ticks.decade(-12) == "10⁻¹²" && Ticks.decade(3) == "10³")
    }

    static func sampleAudit() -> AuditCurves {
        var a = AuditCurves(name: "audit-e2", at: 2)
        let x = [0.0, 1, 2, 3]
        a.twins = [AuditCurves.Twin(name: "twin1", perturbation: "none", epochsAfter: x, dTheta: [0, 0, 0, 0], disagreement: [0, 0, 0, 0]),
                   AuditCurves.Twin(name: "twin2", perturbation: "param:1e-05", epochsAfter: x, dTheta: x.map { 1e-5 * exp(0.5 * $0) },
                                    disagreement: [0, 0, 0.1, 0.2], lyapunov: 0.5),
                   AuditCurves.Twin(name: "twin3", perturbation: "swap:0", epochsAfter: x, dTheta: [0, 1e-4, 2e-4, 3e-4], disagreement: [0, 0, 0, 0])]
        return a
    }

    @Test func auditFigureHasOneLinePerTwinOnALogScale() throws {
        let f = Report.auditFigure(Self.sampleAudit())
        #expect(f.id == "audit-e2")
        let p = try #require(XMLCollector.parse(f.svg))
        #expect(seriesPolylines(f.svg, "none (d = 0 throughout)") == [])
        #expect(seriesPolylines(f.svg, "param:1e-05 (λ = 0.5 / epoch)") == [4])
        #expect(seriesPolylines(f.svg, "swap:0") == [3])  // d = 0 at the branch is not drawn
        #expect(p.texts.contains { $0.contains("branched at epoch 2") })
        #expect(labels(f.svg).contains("10⁻⁵") && labels(f.svg).contains("param:1e-05 (λ = 0.5 / epoch)"))
        #expect(f.tables.count == 1 && f.tables[0].table.rows.count == 12)
    }

    static func sampleStages() -> StageCurves {
        var s = StageCurves()
        s.steps = (1...200).map(Double.init)
        s.loss = s.steps.map { 0.69 / (1 + pow($0 / 60, 3)) + 0.01 }
        s.smoothed = s.loss
        s.intervals = [("initial plateau", .init(kind: "plateau", startStep: 1, endStep: 30)),
                       ("initial descent", .init(kind: "descent", startStep: 45, endStep: 120)),
                       ("plateau", .init(kind: "plateau", startStep: 150, endStep: 200))]
        s.wassersteinEpochs = [1, 2, 3]
        s.wasserstein = [("alpha_to_previous", [nil, 0.2, 0.05]), ("alpha_to_first", [0, 0.2, 0.25])]
        return s
    }

    @Test func stageFiguresShadeTheStagesAndDrawTheWassersteinCurves() throws {
        let f = Report.stageFigures(Self.sampleStages())
        #expect(f.map(\.id) == ["stages", "wasserstein"])
        let p = try #require(XMLCollector.parse(f[0].svg))
        #expect(p.elements.filter { $0.attrs["class"] == "band" }.map { $0.attrs["data-label"]! } == ["initial plateau", "initial descent", "plateau"])
        #expect(seriesPolylines(f[0].svg, "loss per step") == [200] && seriesPolylines(f[0].svg, "smoothed") == [200])
        #expect(labels(f[0].svg).contains("10") && labels(f[0].svg).contains("10²"))  // log step axis
        let w = try #require(XMLCollector.parse(f[1].svg))
        #expect(seriesPolylines(f[1].svg, "α to previous checkpoint") == [2])
        #expect(seriesPolylines(f[1].svg, "α to first checkpoint") == [2])  // W1 = 0 at the first checkpoint: not on a log scale
        #expect(w.elements.contains { $0.attrs["class"] == "ylabel" } && labels(f[1].svg).contains("W₁ (log scale)"))
    }

    @Test func reportPicksUpAuditAndStagesOutputsOfARunDirectory() throws {
        let dir = NSTemporaryDirectory() + "lyap-report-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/audit-e2", withIntermediateDirectories: true)
        try CSVTable(header: ["epoch", "train_loss", "test_loss"], rows: [["1", "0.7", "0.7"], ["2", "0.6", "0.65"]]).write(path: dir + "/metrics.csv")
        try CSVTable(header: ["twin", "perturbation", "epochs_after", "epoch", "d_theta", "disagreement"],
                     rows: [["twin1", "param:0.001", "0", "2", "0.001", "0"], ["twin1", "param:0.001", "1", "3", "0.002", "0.1"]])
            .write(path: dir + "/audit-e2/audit.csv")
        try #"{"twins": [{"name": "twin1", "lyapunovPerEpoch": 0.69}]}"#.write(toFile: dir + "/audit-e2/audit.json", atomically: true, encoding: .utf8)
        try CSVTable(header: ["step", "loss"], rows: [["1", "0.69"]]).write(path: dir + "/steps.csv")
        // A step log without stages output: a note, no figure.
        let before = Report(try ReportInputs.load(runDir: dir, dynamicsPath: nil, tanhMapPath: nil))
        #expect(before.figures.map(\.id).contains("audit-e2") && !before.figures.map(\.id).contains("stages"))
        #expect(before.notes.contains { $0.contains("lyap stages") })
        let audit = try #require(before.inputs.audits.first)
        #expect(audit.at == 2 && audit.twins.first?.lyapunov == 0.69)

        try CSVTable(header: ["step", "loss", "smoothed_loss", "kappa", "stage"],
                     rows: (1...10).map { [String($0), "0.69", "0.69", "0", "initial_plateau"] }).write(path: dir + "/stages-curve.csv")
        try #"{"intervals": [{"kind": "plateau", "startStep": 1, "endStep": 10, "startLoss": 0.69, "endLoss": 0.69, "meanKappa": 0}], "initialPlateau": {"kind": "plateau", "startStep": 1, "endStep": 10, "startLoss": 0.69, "endLoss": 0.69, "meanKappa": 0}}"#
            .write(toFile: dir + "/stages.json", atomically: true, encoding: .utf8)
        try CSVTable(header: ["epoch", "alpha_to_previous", "alpha_to_first", "beta_to_previous", "beta_to_first", "alpha_to_beta"],
                     rows: [["1", "", "0", "", "0", "0.1"], ["2", "0.1", "0.1", "0.02", "0.02", "0.15"]]).write(path: dir + "/stages-wasserstein.csv")
        let r = Report(try ReportInputs.load(runDir: dir, dynamicsPath: nil, tanhMapPath: nil))
        #expect(Array(r.figures.map(\.id).suffix(4)) == ["audit-e2", "audit-e2-function", "stages", "wasserstein"])
        #expect(!r.notes.contains { $0.contains("lyap stages") })
        #expect(r.inputs.stages?.intervals.map(\.label) == ["initial plateau"])
        #expect(r.inputs.stages?.wasserstein.map(\.name) == StageCurves.wassersteinColumns)
        let files = try r.write(to: dir + "/report")
        for f in ["audit-e2.svg", "audit-e2-function.svg", "audit_e2.csv", "stages.svg", "stages_curve.csv", "wasserstein.svg"] {
            #expect(files.contains(f), "\(f)")
        }
        for f in ["audit-e2", "audit-e2-function", "stages", "wasserstein"] {
            let svg = try String(contentsOfFile: dir + "/report/\(f).svg", encoding: .utf8)
            #expect(XMLCollector.parse(svg) != nil, "\(f).svg is not well-formed XML")
        }
        // The function-distance figure draws one line per twin, in percent of the test set.
        let fn = try String(contentsOfFile: dir + "/report/audit-e2-function.svg", encoding: .utf8)
        for t in audit.twins { #expect(fn.contains(Markup.escape(t.perturbation)), "\(t.perturbation) missing") }
    }
}
