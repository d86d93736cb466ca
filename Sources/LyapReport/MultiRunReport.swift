import Foundation
import LyapCore
import LyapIO

/// Several runs overlaid (the campaign's report, docs/science/PROTOCOL.md): test loss, λ1 and D̃ per epoch
/// with each run's best epoch marked, and per phase rule one strip per run showing its labels.
public struct MultiRunInputs: Sendable {
    public struct Run: Sendable {
        public var name: String
        public var metrics: RunMetrics
        /// ln(ε√H) of the run's analysis, when known.
        public var chaosThreshold: Double?
        /// Labels per analysed epoch under each named rule, in the order the strips are drawn; a rule the
        /// run cannot be labelled by is absent.
        public var phases: [(rule: String, epochs: [Int], labels: [String])]
        public init(name: String, metrics: RunMetrics, chaosThreshold: Double?, phases: [(rule: String, epochs: [Int], labels: [String])]) {
            self.name = name; self.metrics = metrics; self.chaosThreshold = chaosThreshold; self.phases = phases
        }
    }
    public var runs: [Run]
    public var rules: [String]
    public init(runs: [Run], rules: [String]) { self.runs = runs; self.rules = rules }
}

public struct MultiRunReport: Sendable {
    public var figures: [Figure] = []
    public var notes: [String] = []
    public var summary: [(String, String)] = []
    let title: String

    public init(_ i: MultiRunInputs) {
        title = i.runs.map(\.name).joined(separator: ", ")
        let best = i.runs.map { $0.metrics.bestEpoch }
        let epochRange = (Double(i.runs.compactMap { $0.metrics.epochs.min() }.min() ?? 0), Double(i.runs.compactMap { $0.metrics.epochs.max() }.max() ?? 1))
        for (r, b) in zip(i.runs, best) {
            let k = b.flatMap { r.metrics.epochs.firstIndex(of: $0) }
            let loss = k.flatMap { r.metrics.testLoss[$0] }.map { String(format: "%.4f", $0) } ?? "–"
            summary.append((r.name, "epochs \(r.metrics.epochs.first.map(String.init) ?? "–")–\(r.metrics.epochs.last.map(String.init) ?? "–"); best epoch \(b.map(String.init) ?? "–") (test loss \(loss))"))
        }
        func markBest(_ c: inout Chart) {
            for (k, b) in best.enumerated() {
                if let b { c.markers.append(VMarker(x: Double(b), label: "best \(i.runs[k].name)", color: Palette.color(k), dashed: false)) }
            }
        }
        func overlay(id: String, heading: String, title: String, column: String, caption: String, analysedOnly: Bool,
                     hlines: [HLine], _ value: (RunMetrics) -> [Double?]) -> Figure? {
            var c = Chart(id: id, title: title, xLabel: "epoch", yLabel: column)
            c.integerX = true
            var rows: [[String]] = []
            for (k, r) in i.runs.enumerated() {
                let m = r.metrics, v = value(m)
                let idx = m.epochs.indices.filter { !analysedOnly || m.phase[$0] != nil }
                guard idx.contains(where: { v[$0] != nil }) else { continue }
                c.lines.append(LineSeries(name: r.name, x: idx.map { Double(m.epochs[$0]) }, y: idx.map { v[$0] }, color: Palette.color(k),
                                          markers: analysedOnly))
                rows += idx.map { [r.name, String(m.epochs[$0]), Markup.csvNumber(v[$0])] }
            }
            guard !c.lines.isEmpty else { return nil }
            c.xRange = epochRange
            c.hlines = hlines
            markBest(&c)
            return Figure(id: id, heading: heading, caption: caption + " Solid coloured lines: each run's best epoch (lowest test loss).",
                          svg: c.render(), tables: [(id, CSVTable(header: ["run", "epoch", column], rows: rows))])
        }
        let thresholds = Set(i.runs.compactMap(\.chaosThreshold)).sorted()
        let overlays: [(id: String, heading: String, title: String, column: String, caption: String, analysedOnly: Bool,
                        hlines: [HLine], value: (RunMetrics) -> [Double?], missing: String?)] = [
            ("runs-test-loss", "Test loss", "Test loss of every run", "test_loss",
             "Mean binary cross-entropy on each run's test split, per epoch.", false, [], { $0.testLoss }, nil),
            ("runs-exponent", "Maximal Lyapunov exponent", "λ₁ (mean over reviews) of every run", "max_exponent",
             "Largest Lyapunov exponent of the autonomous LSTM after the drive, mean over the analysed reviews.", true,
             [HLine(y: 0, label: "λ₁ = 0")], { $0.maxExponent },
             "λ₁: no run has exponents in metrics.csv (train with --analyze-every and --analyze-exponents ≥ 1)."),
            ("runs-distance", "Asymptotic distance", "D̃ (perturbed at the end of the drive) of every run", "distance_end_of_drive",
             "Mean log distance between a trajectory and its twin perturbed at the end of the drive, with the thresholds of the three phase rules.", true,
             thresholds.map { HLine(y: $0, label: "ln(ε√H) = " + String(format: "%.2f", $0)) }
                + [HLine(y: PhaseThresholds.reproduction, label: minus(PhaseThresholds.reproduction) + " (reproduction rule)", color: "#D55E00"),
                   HLine(y: PhaseThresholds.labFloor, label: minus(PhaseThresholds.labFloor) + " (lab floor band)", color: "#56B4E9")],
             { $0.distanceEndOfDrive }, "D̃: no run has analysis columns in metrics.csv (train with --analyze-every)."),
        ]
        for o in overlays {
            if let f = overlay(id: o.id, heading: o.heading, title: o.title, column: o.column, caption: o.caption,
                               analysedOnly: o.analysedOnly, hlines: o.hlines, o.value) {
                figures.append(f)
            } else if let note = o.missing {
                notes.append(note)
            }
        }
        // One chart per rule, one strip per run (bottom: the first run).
        for rule in i.rules {
            var c = Chart(id: "phases-\(rule)", title: "Phases by the \(rule) rule", xLabel: "epoch", yLabel: "run")
            c.integerX = true
            c.yCategories = i.runs.map(\.name)
            var rows: [[String]] = []
            var missing: [String] = []
            for (k, r) in i.runs.enumerated() {
                guard let p = r.phases.first(where: { $0.rule == rule }), !p.epochs.isEmpty else { missing.append(r.name); continue }
                for b in PhaseIntervals.compute(epochs: p.epochs, labels: p.labels, end: r.metrics.epochs.max()) {
                    c.bands.append(Band(x0: b.x0, x1: b.x1, label: b.label, fill: b.fill, y0: Double(k) + 0.1, y1: Double(k) + 0.9))
                    rows.append([r.name, Markup.csvNumber(b.x0), Markup.csvNumber(b.x1), b.label])
                }
            }
            if !missing.isEmpty { notes.append("Phases by the \(rule) rule: no labels for \(missing.joined(separator: ", ")).") }
            guard !c.bands.isEmpty else { continue }
            c.xRange = epochRange
            markBest(&c)
            figures.append(Figure(id: "phases-\(rule)", heading: "Phases (\(rule) rule)",
                                  caption: "The label of each analysed epoch under the \(rule) rule (docs/science/PROTOCOL.md), held to the next analysed epoch; one strip per run.",
                                  svg: c.render(), tables: [("phases-\(rule)", CSVTable(header: ["run", "epoch_from", "epoch_to", "phase"], rows: rows))]))
        }
    }

    public func html() -> String { Report.page(title: title, summary: summary, notes: notes, figures: figures) }

    @discardableResult
    public func write(to dir: String) throws -> [String] { try Report.write(figures, html: html(), to: dir) }
}

/// A negative threshold as the charts print it, with a typographic minus: −14.5, −14.
private func minus(_ x: Double) -> String { "\u{2212}" + String(format: "%g", -x) }
