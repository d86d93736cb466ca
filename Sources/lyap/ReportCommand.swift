import ArgumentParser
import Foundation
import LyapCore
import LyapReport
import LyapStudy

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
            Several runs (the campaign): test loss, lambda1 and D~ of every run overlaid with each run's best
            epoch, and the phases under the lab, distance and reproduction rules, one strip per run:
              lyap report runs/k-s0 runs/k-s1 runs/t-s0 --out docs/science/report
            """)

    @Argument(help: ArgumentHelp("Run directory (lyap train) or sweep directory (lyap sweep: width x epoch heatmaps, error vs width); several run directories: one report overlaying them (needs --out).", valueName: "run-dir"))
    var runDirs: [String]
    var runDir: String { runDirs[0] }
    @Option(help: "Output directory (default: RUN/report).") var out: String?
    @Option(help: "JSON of lyap analyze --checkpoint RUN --json FILE.") var dynamics: String?
    @Option(name: .customLong("tanh-map"), help: "CSV of lyap tanh-map --csv FILE.") var tanhMap: String?

    func run() throws {
        try reportingErrors {
            guard !runDirs.isEmpty else { throw ConfigError("lyap report needs a run or sweep directory") }
            if runDirs.count > 1 {
                guard let dir = out else { throw ConfigError("--out DIR is needed with several runs (where the overlaid report goes)") }
                if dynamics != nil || tanhMap != nil { throw ConfigError("--dynamics and --tanh-map apply to one run, not to several") }
                let report = MultiRunReport(try MultiRunInputs.load(runDirs))
                let files = try report.write(to: dir)
                for n in report.notes { info("left out: " + n) }
                info("wrote \(dir)/report.html, \(report.figures.count) figures, \(files.count) files")
                return
            }
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

extension MultiRunInputs {
    /// Each run's metrics and its labels under every phase rule (LyapStudy.PhaseRule: the rules live there).
    static func load(_ dirs: [String]) throws -> MultiRunInputs {
        var runs: [Run] = []
        for d in dirs {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: d, isDirectory: &isDir), isDir.boolValue else {
                throw ConfigError("\(d): no such run directory")
            }
            let metrics = try LyapReport.RunMetrics.read(path: d + "/metrics.csv")
            let study = try LyapStudy.RunMetrics.read(path: d + "/metrics.csv")
            let threshold = RunFiles.config(in: d).flatMap { c in c.analysis.map { log($0.epsilon * Double(c.model.hidden).squareRoot()) } }
            let phases = PhaseRule.allCases.compactMap { rule -> (rule: String, epochs: [Int], labels: [String])? in
                rule.labels(study, chaosThreshold: threshold).map { (rule.rawValue, $0.epochs, $0.labels.map(\.rawValue)) }
            }
            runs.append(Run(name: (d as NSString).lastPathComponent, metrics: metrics, chaosThreshold: threshold, phases: phases))
        }
        return MultiRunInputs(runs: runs, rules: PhaseRule.allCases.map(\.rawValue))
    }
}
