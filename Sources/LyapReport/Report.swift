import Foundation
import LyapCore
import LyapIO

/// One figure of the report: the SVG, its caption, and the tables of the numbers drawn in it.
public struct Figure: Sendable {
    public var id: String
    public var heading: String
    public var caption: String
    public var svg: String
    public var tables: [(name: String, table: CSVTable)]
}

/// What the report is built from. Paths are only shown in the text.
public struct ReportInputs: Sendable {
    public var runDir: String
    public var metrics: RunMetrics
    public var dynamics: DynamicsFile?
    public var dynamicsPath: String?
    public var tanhMap: TanhMapData?
    public var tanhMapPath: String?
    /// ln(ε √H) of the run's own analysis (config.json), used when there is no dynamics JSON.
    public var configThreshold: Double?
    /// lyap audit outputs inside the run directory, and lyap stages output (AuditInputs.swift, StageInputs.swift).
    public var audits: [AuditCurves] = []
    public var stages: StageCurves?
    public var hasStepLog = false
    /// lyap metastates output in the run directory (Report+MetaStates.swift).
    public var metaStates: MetaStateCurve?

    public init(runDir: String, metrics: RunMetrics, dynamics: DynamicsFile? = nil, dynamicsPath: String? = nil,
                tanhMap: TanhMapData? = nil, tanhMapPath: String? = nil, configThreshold: Double? = nil) {
        self.runDir = runDir; self.metrics = metrics; self.dynamics = dynamics; self.dynamicsPath = dynamicsPath
        self.tanhMap = tanhMap; self.tanhMapPath = tanhMapPath; self.configThreshold = configThreshold
    }

    /// Reads a run directory (metrics.csv required, config.json optional) and the optional extra inputs.
    public static func load(runDir: String, dynamicsPath: String?, tanhMapPath: String?) throws -> ReportInputs {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDir, isDirectory: &isDir), isDir.boolValue else {
            throw ConfigError("\(runDir): no such run directory")
        }
        let metrics = try RunMetrics.read(path: runDir + "/metrics.csv")
        var threshold: Double?
        if let data = FileManager.default.contents(atPath: runDir + "/config.json"),
           let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           case let obj = (top["config"] as? [String: Any]) ?? top,
           let model = obj["model"] as? [String: Any], let h = (model["hidden"] as? NSNumber)?.doubleValue,
           let a = obj["analysis"] as? [String: Any], let eps = (a["epsilon"] as? NSNumber)?.doubleValue, h > 0, eps > 0 {
            threshold = log(eps * h.squareRoot())
        }
        var r = ReportInputs(runDir: runDir, metrics: metrics,
                             dynamics: try dynamicsPath.map { try DynamicsFile.read(path: $0) }, dynamicsPath: dynamicsPath,
                             tanhMap: try tanhMapPath.map { try TanhMapData.read(path: $0) }, tanhMapPath: tanhMapPath,
                             configThreshold: threshold)
        r.audits = try AuditCurves.find(in: runDir)
        r.stages = try StageCurves.read(runDir: runDir)
        r.hasStepLog = FileManager.default.fileExists(atPath: runDir + "/steps.csv")
        r.metaStates = try MetaStateCurve.read(runDir: runDir)
        return r
    }
}

public struct Report: Sendable {
    public var figures: [Figure] = []
    /// Figures left out and why (missing inputs), shown in the report.
    public var notes: [String] = []
    public var summary: [(String, String)] = []
    public var inputs: ReportInputs

    /// Phase shading and transitions: from the dynamics JSON when given (lab rule, its transitions),
    /// else from metrics.csv's phase column (every label change).
    struct PhaseInfo {
        var bands: [Band]
        var transitions: [(epoch: Int, from: String, to: String)]
        var source: String
    }

    static func phaseInfo(_ i: ReportInputs) -> PhaseInfo? {
        let end = i.metrics.epochs.max()
        if let d = i.dynamics, d.labPhases.contains(where: { $0 != nil }) {
            let bands = PhaseIntervals.compute(epochs: d.epochs, labels: d.labPhases, end: end)
            let tr: [(epoch: Int, from: String, to: String)]
            if let t = d.transitions?.lab {
                tr = t.map { ($0.epoch, $0.from, $0.to) }
            } else {
                tr = PhaseIntervals.changes(epochs: d.epochs, labels: d.labPhases)
            }
            return PhaseInfo(bands: bands, transitions: tr, source: "the dynamics JSON (lab rule" + (d.transitions?.lab != nil ? ", its transitions with hysteresis \(d.hysteresis ?? 2))" : ")"))
        }
        let m = i.metrics
        guard m.hasAnalysis else { return nil }
        return PhaseInfo(bands: PhaseIntervals.compute(epochs: m.epochs, labels: m.phase, end: end),
                         transitions: PhaseIntervals.changes(epochs: m.epochs, labels: m.phase),
                         source: "metrics.csv's phase column (every label change)")
    }

    static func decorate(_ c: inout Chart, _ p: PhaseInfo?, best: Int?) {
        if let p {
            c.bands = p.bands
            c.markers += p.transitions.map { VMarker(x: Double($0.epoch), label: "→ \($0.to)", color: "#333333") }
        }
        if let best { c.markers.append(VMarker(x: Double(best), label: "best", color: "#009E73", dashed: false)) }
    }

    public init(_ i: ReportInputs) {
        inputs = i
        let m = i.metrics
        let ex = m.epochs.map(Double.init)
        let phases = Self.phaseInfo(i)
        let best = m.bestEpoch
        let phaseNote = phases.map { " Shading: phase per analysed epoch from \($0.source); a label holds from its epoch to the next analysed one. Dashed lines: transitions." } ?? " No phase labels (no analysis columns in metrics.csv and no --dynamics JSON): no shading."

        summary.append(("run", i.runDir))
        summary.append(("epochs", m.epochs.isEmpty ? "none" : "\(m.epochs.first!)–\(m.epochs.last!) (\(m.epochs.count) rows)"))
        if let best, let k = m.epochs.firstIndex(of: best), let l = m.testLoss[k] {
            summary.append(("best epoch (lowest test loss)", "\(best): test loss \(String(format: "%.4f", l))" + (m.testAcc[k].map { String(format: ", test accuracy %.3f", $0) } ?? "")))
        }
        if let k = m.epochs.indices.last {
            summary.append(("last epoch", "\(m.epochs[k]): train loss \(m.trainLoss[k].map { String(format: "%.4f", $0) } ?? "–"), test loss \(m.testLoss[k].map { String(format: "%.4f", $0) } ?? "–")"))
        }
        if let phases {
            summary.append(("transitions", phases.transitions.isEmpty ? "none" : phases.transitions.map { "epoch \($0.epoch): \($0.from) → \($0.to)" }.joined(separator: "; ")))
        }

        // 1. Loss.
        var loss = Chart(id: "loss", title: "Train and test loss", xLabel: "epoch", yLabel: "loss (binary cross-entropy, nats)")
        loss.integerX = true
        loss.lines = [LineSeries(name: "train loss", x: ex, y: m.trainLoss, color: Palette.color(0)),
                      LineSeries(name: "test loss", x: ex, y: m.testLoss, color: Palette.color(1))]
        Self.decorate(&loss, phases, best: best)
        figures.append(Figure(id: "loss", heading: "Loss", caption: "Mean loss per epoch on the training and test sets; green line: the epoch of lowest test loss." + phaseNote,
                              svg: loss.render(), tables: [("loss", Self.table(["epoch", "train_loss", "test_loss"], m.epochs, [m.trainLoss, m.testLoss]))]
                                + (phases.map { [("phases", Self.bandTable($0.bands)), ("transitions", Self.transitionTable($0.transitions))] } ?? [])))

        // 2. Accuracy.
        if m.trainAcc.contains(where: { $0 != nil }) || m.testAcc.contains(where: { $0 != nil }) {
            var acc = Chart(id: "accuracy", title: "Train and test accuracy", xLabel: "epoch", yLabel: "accuracy (fraction correct)")
            acc.integerX = true
            acc.lines = [LineSeries(name: "train accuracy", x: ex, y: m.trainAcc, color: Palette.color(0)),
                         LineSeries(name: "test accuracy", x: ex, y: m.testAcc, color: Palette.color(1))]
            Self.decorate(&acc, phases, best: best)
            figures.append(Figure(id: "accuracy", heading: "Accuracy", caption: "Fraction of reviews classified correctly." + phaseNote, svg: acc.render(),
                                  tables: [("accuracy", Self.table(["epoch", "train_acc", "test_acc"], m.epochs, [m.trainAcc, m.testAcc]))]))
        } else {
            notes.append("Accuracy: metrics.csv has no train_acc/test_acc values.")
        }

        // 3, 4. Asymptotic distance and maximal exponent: the dynamics JSON when given, else metrics.csv.
        var dEpochs: [Int] = [], dInit: [Double?] = [], dEnd: [Double?] = [], lmax: [Double?] = [], threshold: Double?, dSource = ""
        if let d = i.dynamics {
            dEpochs = d.epochs
            dInit = d.checkpoints.map { $0.asymptotic_distance?.initial }
            dEnd = d.checkpoints.map { $0.asymptotic_distance?.end_of_drive }
            lmax = d.checkpoints.map(\.max_exponent)
            threshold = d.checkpoints.compactMap(\.chaos_threshold).first
            dSource = "the dynamics JSON (\(i.dynamicsPath ?? "given"))"
        } else if m.hasAnalysis {
            let rows = m.epochs.indices.filter { m.phase[$0] != nil }
            dEpochs = rows.map { m.epochs[$0] }
            dInit = rows.map { m.distanceInitial[$0] }
            dEnd = rows.map { m.distanceEndOfDrive[$0] }
            lmax = rows.map { m.maxExponent[$0] }
            threshold = i.configThreshold
            dSource = "metrics.csv's analysis columns"
        }
        let dx = dEpochs.map(Double.init)
        if dInit.contains(where: { $0 != nil }) || dEnd.contains(where: { $0 != nil }) {
            var c = Chart(id: "distance", title: "Asymptotic distance of perturbed trajectories", xLabel: "epoch", yLabel: "⟨ln d⟩ over reviews (d: L2 distance of h_T)")
            c.integerX = true
            c.lines = [LineSeries(name: "perturbed at h₋₁ (initial)", x: dx, y: dInit, color: Palette.color(0), markers: true),
                       LineSeries(name: "perturbed at end of drive", x: dx, y: dEnd, color: Palette.color(1), markers: true)]
            if let threshold { c.hlines = [HLine(y: threshold, label: "ln(ε√H) = " + String(format: "%.2f", threshold))] }
            Self.decorate(&c, phases, best: best)
            figures.append(Figure(id: "distance", heading: "Asymptotic distance", caption: "Mean log distance between a trajectory and its twin perturbed by ε, read at the end (from \(dSource)). Above the dashed ln(ε√H) line the perturbation grew: chaos by the distance rule." + (threshold == nil ? " (Threshold unknown: no ε/H in the inputs.)" : ""),
                                  svg: c.render(), tables: [("distance", Self.table(["epoch", "distance_initial", "distance_end_of_drive"], dEpochs, [dInit, dEnd]))]))
        } else {
            notes.append("Asymptotic distance: no analysis in metrics.csv (train with --analyze-every) and no --dynamics JSON.")
        }
        if lmax.contains(where: { $0 != nil }) {
            var c = Chart(id: "exponent", title: "Maximal Lyapunov exponent", xLabel: "epoch", yLabel: "λ₁ (nats per step)")
            c.integerX = true
            c.lines = [LineSeries(name: "λ₁ (mean over reviews)", x: dx, y: lmax, color: Palette.color(2), markers: true)]
            c.hlines = [HLine(y: 0, label: "λ₁ = 0")]
            Self.decorate(&c, phases, best: best)
            figures.append(Figure(id: "exponent", heading: "Maximal Lyapunov exponent", caption: "Largest Lyapunov exponent of the autonomous LSTM after the drive (from \(dSource)); above 0: chaos by the exponent rule.",
                                  svg: c.render(), tables: [("exponent", Self.table(["epoch", "max_exponent"], dEpochs, [lmax]))]))
        } else if !dEpochs.isEmpty {
            notes.append("Maximal exponent: the analysis computed no exponents (--exponents 0).")
        } else {
            notes.append("Maximal exponent: no analysis in metrics.csv and no --dynamics JSON.")
        }

        // 5. Bifurcation diagram of the trained LSTM.
        if let d = i.dynamics, d.checkpoints.contains(where: { !($0.reduced_sums ?? []).isEmpty }) {
            var xs: [Double] = [], ys: [Double] = [], rows: [[String]] = []
            for (e, cp) in zip(d.epochs, d.checkpoints) {
                for (k, v) in (cp.reduced_sums ?? []).enumerated() {
                    rows.append([String(e), String(k), Markup.csvNumber(v)])
                    if let v { xs.append(Double(e)); ys.append(v) }
                }
            }
            var c = Chart(id: "bifurcation", title: "Bifurcation diagram of the trained LSTM", xLabel: "epoch", yLabel: "y = Σⱼ h_T,j (one point per review)")
            c.integerX = true
            c.scatters = [ScatterSeries(name: "reviews", x: xs, y: ys, color: Palette.color(0), radius: 2, opacity: 0.55)]
            Self.decorate(&c, phases, best: best)
            figures.append(Figure(id: "bifurcation", heading: "Bifurcation diagram (LSTM)", caption: "Reduced sum of the asymptotic hidden state per review and checkpoint (\(xs.count) points). One tight band: a fixed point; spread-out points: many attractors or chaos.",
                                  svg: c.render(), tables: [("bifurcation", CSVTable(header: ["epoch", "review", "reduced_sum"], rows: rows))]))
        } else {
            notes.append("LSTM bifurcation diagram: needs --dynamics JSON (lyap analyze --checkpoint RUN --json FILE) with reduced sums.")
        }

        // 6, 7. The tanh map.
        if let t = i.tanhMap, !t.r.isEmpty {
            var xs: [Double] = [], ys: [Double] = [], rows: [[String]] = []
            for (r, its) in zip(t.r, t.iterates) { for k in its { xs.append(r); ys.append(k); rows.append([Markup.csvNumber(r), Markup.csvNumber(k)]) } }
            var c = Chart(id: "tanh-map", title: "Bifurcation diagram of k ← r k (1 − tanh k)", xLabel: "r", yLabel: "k (last kept iterates)")
            c.scatters = [ScatterSeries(name: "iterates", x: xs, y: ys, color: "#000000", mode: .pixels, opacity: 0.85)]
            figures.append(Figure(id: "tanh-map", heading: "Bifurcation diagram (tanh map)", caption: "Kept iterates per r from \(i.tanhMapPath ?? "the tanh-map CSV") (\(xs.count) points; drawn on the 1-px grid: points in the same pixel are drawn once).",
                                  svg: c.render(), tables: [("tanh_map_iterates", CSVTable(header: ["r", "k"], rows: rows))]))
            var l = Chart(id: "tanh-lambda", title: "Lyapunov exponent of the tanh map", xLabel: "r", yLabel: "λ(r) (nats per step)")
            l.lines = [LineSeries(name: "λ(r)", x: t.r, y: t.lambda, color: Palette.color(0))]
            l.hlines = [HLine(y: 0, label: "λ = 0")]
            figures.append(Figure(id: "tanh-lambda", heading: "λ(r) of the tanh map", caption: "Mean of ln|f′(k)| along the orbit; positive: chaos.",
                                  svg: l.render(), tables: [("tanh_map_lambda", Self.table(["r", "lambda"], t.r.map { $0 }, [t.lambda.map { $0 }]))]))
        } else {
            notes.append("Tanh-map diagrams: pass --tanh-map CSV (lyap tanh-map --csv FILE).")
        }

        // 8-10. Perturbation audits, loss stages and weight-amplitude distances (Report+Audit.swift, Report+Stages.swift).
        addAuditAndStageFigures(i)
    }

    static func table<X>(_ header: [String], _ x: [X], _ cols: [[Double?]]) -> CSVTable {
        CSVTable(header: header, rows: x.indices.map { k in
            [x[k] is Double ? Markup.csvNumber(x[k] as? Double) : "\(x[k])"] + cols.map { Markup.csvNumber($0[k]) }
        })
    }

    static func bandTable(_ b: [Band]) -> CSVTable {
        CSVTable(header: ["epoch_from", "epoch_to", "phase"], rows: b.map { [Markup.csvNumber($0.x0), Markup.csvNumber($0.x1), $0.label] })
    }

    static func transitionTable(_ t: [(epoch: Int, from: String, to: String)]) -> CSVTable {
        CSVTable(header: ["epoch", "from", "to"], rows: t.map { [String($0.epoch), $0.from, $0.to] })
    }

    /// The self-contained page: inline CSS and SVG, links only to the files written beside it.
    public func html() -> String { Self.page(title: inputs.runDir, summary: summary, notes: notes, figures: figures) }

    /// The page for any set of figures (a run's report, a sweep's report).
    static func page(title: String, summary: [(String, String)], notes: [String], figures: [Figure]) -> String {
        var s = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>lyap report: \(Markup.escape(title))</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 14px; color: #222; max-width: 1500px; margin: 16px auto; padding: 0 16px; }
        h1 { font-size: 22px; } h2 { font-size: 17px; margin: 4px 0; }
        table.summary td { padding: 2px 12px 2px 0; vertical-align: top; }
        .grid { display: flex; flex-wrap: wrap; gap: 16px; }
        figure { margin: 0; border: 1px solid #ddd; padding: 8px; width: 720px; }
        figcaption { font-size: 13px; color: #444; margin-top: 4px; }
        .files { font-size: 12px; }
        .notes li { color: #8a4b00; }
        </style>
        </head>
        <body>
        <h1>lyap report</h1>
        <table class="summary">

        """
        for (k, v) in summary { s += "<tr><td>\(Markup.escape(k))</td><td>\(Markup.escape(v))</td></tr>\n" }
        s += "</table>\n"
        if !notes.isEmpty {
            s += "<h2>Not shown</h2>\n<ul class=\"notes\">\n" + notes.map { "<li>\(Markup.escape($0))</li>\n" }.joined() + "</ul>\n"
        }
        s += "<div class=\"grid\">\n"
        for f in figures {
            let inline = f.svg.hasPrefix("<?xml") ? String(f.svg[f.svg.index(after: f.svg.firstIndex(of: "\n")!)...]) : f.svg
            s += "<figure id=\"fig-\(Markup.escape(f.id))\">\n<h2>\(Markup.escape(f.heading))</h2>\n" + inline
            s += "<figcaption>\(Markup.escape(f.caption))</figcaption>\n<div class=\"files\">Files: <a href=\"\(Markup.escape(f.id)).svg\">\(Markup.escape(f.id)).svg</a>"
            for t in f.tables { s += ", <a href=\"\(Markup.escape(t.name)).csv\">\(Markup.escape(t.name)).csv</a>" }
            s += "</div>\n</figure>\n"
        }
        s += "</div>\n<p class=\"files\">Written by lyap report. CSV files: one header line, comma-separated, empty field = no value (pandas: read_csv).</p>\n</body>\n</html>\n"
        return s
    }

    /// Writes report.html, one .svg per figure and the CSV tables into `dir` (created if needed). Returns the file names.
    @discardableResult
    public func write(to dir: String) throws -> [String] { try Self.write(figures, html: html(), to: dir) }

    static func write(_ figures: [Figure], html: String, to dir: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw ConfigError("--out \(dir): cannot create directory: \(error.localizedDescription)")
        }
        var names: [String] = []
        for f in figures {
            try AtomicFile.write(f.svg, to: dir + "/" + f.id + ".svg"); names.append(f.id + ".svg")
            for t in f.tables { try t.table.write(path: dir + "/" + t.name + ".csv"); names.append(t.name + ".csv") }
        }
        try AtomicFile.write(html, to: dir + "/report.html")
        names.append("report.html")
        return names
    }
}
