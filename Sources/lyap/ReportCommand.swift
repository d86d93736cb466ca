import ArgumentParser
import Foundation
import LyapCore
import LyapReport

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.html (self-contained), one SVG per figure and the numbers behind them as CSV.",
        discussion: """
            Figures: train/test loss and accuracy with order/chaos phases shaded and transitions marked; asymptotic
            distance (both placements) and maximal exponent over epochs; the LSTM bifurcation diagram (needs
            --dynamics); the tanh-map bifurcation diagram and λ(r) (needs --tanh-map); per lyap audit folder in
            RUN (a folder with audit.csv, e.g. RUN/audit-e10) the twins' parameter distance vs epochs after
            branching on a log scale; with lyap stages output in RUN (stages-curve.csv, stages.json,
            stages-wasserstein.csv) the step-resolved loss with the detected stages shaded and the Wasserstein
            distances of the weight amplitudes. A figure whose input is missing is left out with a note in the
            report. Example:
              lyap analyze --checkpoint runs/demo --json runs/demo/dynamics.json
              lyap tanh-map --r-count 2000 --csv tanh.csv
              lyap report runs/demo --dynamics runs/demo/dynamics.json --tanh-map tanh.csv
            """)

    @Argument(help: ArgumentHelp("Run directory (lyap train) or sweep directory (lyap sweep: width x epoch heatmaps, error vs width).", valueName: "run-dir"))
    var runDir: String
    @Option(help: "Output directory (default: RUN/report).") var out: String?
    @Option(help: "JSON of lyap analyze --checkpoint RUN --json FILE.") var dynamics: String?
    @Option(name: .customLong("tanh-map"), help: "CSV of lyap tanh-map --csv FILE.") var tanhMap: String?

    func run() throws {
        try reportingErrors {
            if SweepReport.isSweep(runDir) {
                if dynamics != nil || tanhMap != nil { throw ConfigError("\(runDir) is a sweep: --dynamics and --tanh-map apply to a run") }
                let report = try SweepReport(dir: runDir)
                let dir = out ?? (runDir + "/report")
                let files = try report.write(to: dir)
                for n in report.notes { info("left out: " + n) }
                info("wrote \(dir)/report.html, \(report.figures.count) figures, \(files.count) files")
                return
            }
            let inputs = try ReportInputs.load(runDir: runDir, dynamicsPath: dynamics, tanhMapPath: tanhMap)
            let report = Report(inputs)
            let dir = out ?? (runDir + "/report")
            let files = try report.write(to: dir)
            for n in report.notes { info("left out: " + n) }
            info("wrote \(dir)/report.html, \(report.figures.count) figures, \(files.count) files")
        }
    }
}
