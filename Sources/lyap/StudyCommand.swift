import ArgumentParser
import Foundation
import LyapCore
import LyapStudy
import LyapTraining

/// The multiple-descent study end to end: train with the analysis every K epochs, analyse every
/// checkpoint (exponents, distances, reduced sums for the bifurcation diagram), find the test-loss cycles
/// and their alignment with the order/chaos transitions, and write the report.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Train far past overfitting with the stability analysis, then cycles, transitions and the report.",
        discussion: """
            Every option not listed below goes to `lyap train` (model, data, optimizer, backend). Steps:
            lyap train --analyze-every K, lyap analyze over the run's checkpoints (RUN/dynamics.json), lyap cycles
            (RUN/cycles.json), lyap metastates (RUN/metastates.json; reference window a third of the epochs, at most
            20), lyap tanh-map (RUN/tanh-map.csv), lyap report (RUN/report/report.html).
            A study that was interrupted continues with --resume. Example (about 2 minutes on 2 cores):
              lyap study --out runs/study --epochs 30 --hidden 32 --seq-len 200 --train-size 1000 --test-size 500 \\
                --analyze-every 2 --reviews 100
            """)

    @Option(help: "Run directory.") var out: String
    @Option(help: "Analyse every K epochs (default 5).") var analyzeEvery: Int = 5
    @Option(help: "Test reviews for the analysis (default 500, the paper's).") var reviews: Int = 500
    @Option(help: "Lyapunov exponents per analysis (default 1).") var exponents: Int = 1
    @Option(help: "Patience of the early-stopping comparison, in epochs (default 20).") var patience: Int = 20
    @Flag(help: "Continue an interrupted study in --out.") var resume = false
    @Argument(parsing: .allUnrecognized, help: "Options for lyap train (e.g. --epochs 200 --hidden 60 --data PATH).")
    var trainArguments: [String] = []

    func run() throws {
        try reportingErrors {
            if analyzeEvery < 1 { throw ConfigError("--analyze-every \(analyzeEvery) must be at least 1") }
            var train = ["--out", out] + trainArguments
            if resume {
                train.append("--resume")
            } else {
                train += ["--analyze-every", "\(analyzeEvery)", "--analyze-reviews", "\(reviews)", "--analyze-exponents", "\(exponents)",
                          "--checkpoint-every", "\(analyzeEvery)"]
            }
            info("study 1/5: training")
            let t = try TrainCommand.parse(train)
            try t.run()

            let dir = RunDirectory(out)
            let record = try RunFiles.record(dir, flag: "--out")
            let L = record.config.seqLen
            info("study 2/5: analysing every checkpoint")
            let a = try AnalyzeCommand.parse(["--checkpoint", out, "--reviews", "\(reviews)", "--exponents", "\(exponents)",
                                              "--drive", "\(L)", "--steps", "\(L + 1100)", "--transient", "500",
                                              "--json", out + "/dynamics.json"] + (trainArguments.contains("--no-shared-padding") ? ["--no-shared-padding"] : []))
            try a.run()
            info("study 3/5: test-loss cycles and their alignment with the transitions")
            let c = try CyclesCommand.parse([out, "--patience", "\(patience)"])
            try c.run()
            let epochs = try RunMetrics.read(path: dir.metricsPath).epochs.count
            if epochs >= 9 {
                info("study: meta-state deviations (lyap metastates)")
                try MetaStatesCommand.parse([out, "--reference", "\(min(20, epochs / 3))"]).run()
            }
            info("study 4/5: the tanh map, for comparison")
            let m = try TanhMapCommand.parse(["--r-count", "800", "--csv", out + "/tanh-map.csv"])
            try m.run()
            info("study 5/5: report")
            let r = try ReportCommand.parse([out, "--dynamics", out + "/dynamics.json", "--tanh-map", out + "/tanh-map.csv"])
            try r.run()
            info("study done: open \(out)/report/report.html")
        }
    }
}
