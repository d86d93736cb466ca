import Foundation
import LyapIO

extension Report {
    static func stageFill(_ label: String) -> String {
        switch label {
        case "initial plateau": return "#56B4E9"
        case "initial descent": return "#D55E00"
        case "secondary plateau": return "#009E73"
        case "descent": return "#E69F00"
        default: return "#999999"
        }
    }

    /// The step-resolved loss with the detected stages shaded, and the Wasserstein distances per checkpoint.
    static func stageFigures(_ s: StageCurves) -> [Figure] {
        var loss = Chart(id: "stages", title: "Loss stages", xLabel: "optimizer step (log scale)", yLabel: "training loss (nats)")
        loss.xLog = true
        loss.lines = [LineSeries(name: "loss per step", x: s.steps, y: s.loss, color: "#9a9a9a"),
                      LineSeries(name: "smoothed", x: s.steps, y: s.smoothed, color: Palette.color(0))]
        loss.bands = s.intervals.map { Band(x0: Double($0.interval.startStep), x1: Double($0.interval.endStep), label: $0.label, fill: stageFill($0.label)) }
        let stageRows = s.intervals.map { [$0.label, String($0.interval.startStep), String($0.interval.endStep)] }
        var out = [Figure(id: "stages", heading: "Loss stages",
                          caption: "Training loss at every logged step (grey) and its smoothed curve (stages-curve.csv), with the plateaus and descents lyap stages detected shaded (stages.json; named: the first plateau, the first descent and the next plateau).",
                          svg: loss.render(),
                          tables: [("stages_curve", table(["step", "loss", "smoothed_loss"], s.steps, [s.loss, s.smoothed])),
                                   ("stages_intervals", CSVTable(header: ["stage", "start_step", "end_step"], rows: stageRows))])]
        if !s.wasserstein.isEmpty {
            var w = Chart(id: "wasserstein", title: "Wasserstein distances of weight amplitudes", xLabel: "epoch", yLabel: "W₁ (log scale)")
            w.integerX = true
            w.yLog = true
            let names = ["alpha_to_previous": "α to previous checkpoint", "alpha_to_first": "α to first checkpoint",
                         "beta_to_previous": "β to previous checkpoint", "beta_to_first": "β to first checkpoint", "alpha_to_beta": "α vs β"]
            w.lines = s.wasserstein.enumerated().map { k, c in
                LineSeries(name: names[c.name] ?? c.name, x: s.wassersteinEpochs, y: c.values, color: Palette.color(k),
                           dashed: c.name.hasSuffix("_first"), markers: true)
            }
            out.append(Figure(id: "wasserstein", heading: "Weight amplitudes (Wasserstein)",
                              caption: "Exact 1-D W₁ between amplitude distributions (stages-wasserstein.csv): α = per-unit norm of the LSTM rows of all four gates, β = |fc.weight|. To the previous checkpoint: rate of change (expected small on plateaus, bursts at descents); to the first: distance from initialisation; α vs β: input/output balance.",
                              svg: w.render(),
                              tables: [("wasserstein", table(["epoch"] + s.wasserstein.map(\.name), s.wassersteinEpochs, s.wasserstein.map(\.values)))]))
        }
        return out
    }
}
