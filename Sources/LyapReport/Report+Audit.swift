import Foundation
import LyapIO

extension Report {
    /// Figures of `lyap audit`, `lyap metastates` and `lyap stages` outputs found in the run directory. All are optional
    /// experiments, so their absence gets a note only when the run has a step log but no stages output.
    mutating func addAuditAndStageFigures(_ i: ReportInputs) {
        for a in i.audits { figures += [Self.auditFigure(a), Self.auditFunctionFigure(a)] }
        if let m = i.metaStates { figures.append(Self.metaStateFigure(m)) }
        if let s = i.stages {
            figures += Self.stageFigures(s)
            if s.wasserstein.isEmpty { notes.append("Wasserstein distances: stages-wasserstein.csv is missing or empty (no checkpoints when lyap stages ran).") }
        } else if i.hasStepLog {
            notes.append("Loss stages: the run has steps.csv but no stages-curve.csv (run lyap stages RUN first).")
        }
    }

    /// The legend name of one twin: its perturbation and fitted growth rate.
    static func auditSeriesName(_ t: AuditCurves.Twin) -> String {
        if !t.dTheta.contains(where: { ($0 ?? 0) > 0 }) { return "\(t.perturbation) (d = 0 throughout)" }
        return t.perturbation + (t.lyapunov.map { String(format: " (λ = %.3g / epoch)", $0) } ?? "")
    }

    /// Parameter distance of every twin to the baseline on a log scale, vs epochs after branching.
    static func auditFigure(_ a: AuditCurves) -> Figure {
        let at = a.at.map { " at epoch \($0)" } ?? ""
        let id = a.name.hasPrefix("audit") ? a.name : "audit-" + a.name
        var c = Chart(id: id, title: "Twin divergence, branched\(at) (\(a.name))", xLabel: "epochs after branching",
                      yLabel: "d_θ = ‖θ′ − θ‖ / ‖θ‖ (log scale)")
        c.integerX = true
        c.yLog = true
        c.lines = a.twins.enumerated().map { k, t in
            LineSeries(name: auditSeriesName(t), x: t.epochsAfter, y: t.dTheta, color: Palette.color(k), markers: true)
        }
        var rows: [[String]] = []
        for t in a.twins {
            for (x, (d, g)) in zip(t.epochsAfter, zip(t.dTheta, t.disagreement)) {
                rows.append([t.name, t.perturbation, Markup.csvNumber(x), Markup.csvNumber(d), Markup.csvNumber(g)])
            }
        }
        return Figure(id: id, heading: "Perturbation audit (\(a.name))",
                      caption: "Relative parameter distance of each perturbed twin to the unperturbed baseline, per epoch after branching\(at) (from \(a.name)/audit.csv). A straight rising line on this log scale is exponential growth; λ: slope of ln d_θ per epoch over the initial exponential stretch (audit.json). Zero distances are not drawn.",
                      svg: c.render(), tables: [(id.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined(),
                                                CSVTable(header: ["twin", "perturbation", "epochs_after", "d_theta", "disagreement"], rows: rows))])
    }

    /// Function distance: the fraction of test reviews whose predicted class differs from the baseline's.
    static func auditFunctionFigure(_ a: AuditCurves) -> Figure {
        let at = a.at.map { " at epoch \($0)" } ?? ""
        let id = (a.name.hasPrefix("audit") ? a.name : "audit-" + a.name) + "-function"
        var c = Chart(id: id, title: "Prediction disagreement with the baseline, branched\(at) (\(a.name))",
                      xLabel: "epochs after branching", yLabel: "test reviews predicted differently (%)")
        c.integerX = true
        c.lines = a.twins.enumerated().map { k, t in
            LineSeries(name: t.perturbation, x: t.epochsAfter, y: t.disagreement.map { $0.map { 100 * $0 } }, color: Palette.color(k),
                       markers: true)
        }
        return Figure(id: id, heading: "Perturbation audit: function distance (\(a.name))",
                      caption: "Share of the test set on which each twin's predicted class differs from the baseline's, per epoch after branching\(at) (the disagreement column of \(a.name)/audit.csv, also in the table of the figure above). Parameters can drift apart while the function stays put; this shows when the drift reaches the predictions.",
                      svg: c.render(), tables: [])
    }
}

