import ArgumentParser
import Foundation
import LyapCore
import LyapIO
import LyapStudy
import LyapTraining

struct StagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "Loss stages of a run (plateau, descent, secondary plateau) and Wasserstein distances of weight amplitudes.",
        discussion: """
            The loss log is RUN/steps.csv (header step,loss; one row per logged optimizer step) when present,
            else train_loss per epoch from RUN/metrics.csv (at each epoch's last step). kappa = d ln loss / d ln
            step from a local linear fit in ln step; plateau |kappa| < --kappa-plateau for >= --min-plateau
            steps, descent kappa < -(--kappa-descent); cross-checked by a piecewise-linear change-point fit of
            ln loss vs step. Over RUN/checkpoints: exact W1 of the amplitude distributions (alpha: per-unit
            norm of the W,U rows of all gates; beta: |fc.weight|; |theta| per tensor) to the previous and the
            first checkpoint. Writes RUN/stages.json (or --json OUT) and OUT-curve.csv, OUT-wasserstein.csv.
              lyap stages runs/small-init
            """)

    @Argument(help: ArgumentHelp("A run directory.", valueName: "RUN")) var directory: String
    @Option(help: "Summary JSON (default RUN/stages.json); CSV tables are written beside it.") var json: String?
    @Option(help: "Half-width of the smoothing window in ln step (default 0.05).") var halfWidth: Double = 0.05
    @Option(help: "Plateau threshold on |kappa| (default 0.05).") var kappaPlateau: Double = 0.05
    @Option(help: "Descent threshold: kappa below minus this (default 0.3).") var kappaDescent: Double = 0.3
    @Option(help: "Shortest plateau in steps (default 20).") var minPlateau: Int = 20
    @Option(help: "Most segments of the change-point fit (default 6).") var maxSegments: Int = 6

    struct Summary: Encodable {
        var run: String
        var lossSource: String
        var options: StageDetector.Options
        var intervals: [StageDetector.Interval]
        var initialPlateau: StageDetector.Interval?
        var initialDescent: StageDetector.Interval?
        var secondaryPlateau: StageDetector.Interval?
        var changePoints: ChangePoints.Result
        var checkpoints: [AmplitudeTrack.Row]
    }

    func run() throws {
        try reportingErrors {
            guard halfWidth > 0 else { throw ConfigError("--half-width \(halfWidth) must be positive") }
            guard kappaPlateau > 0, kappaDescent > 0 else { throw ConfigError("--kappa-plateau and --kappa-descent must be positive") }
            guard minPlateau >= 1 else { throw ConfigError("--min-plateau \(minPlateau) must be at least 1") }
            guard maxSegments >= 1 else { throw ConfigError("--max-segments \(maxSegments) must be at least 1") }
            let dir = RunDirectory(directory)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
                throw ConfigError("\(directory): no such run directory")
            }
            let stepsPath = directory + "/steps.csv"
            let log: StepLossLog
            if FileManager.default.fileExists(atPath: stepsPath) {
                log = try StepLossLog.read(path: stepsPath)
            } else {
                guard FileManager.default.fileExists(atPath: dir.metricsPath) else {
                    throw ConfigError("\(directory): neither steps.csv nor metrics.csv (not a run directory of lyap train?)")
                }
                log = try StepLossLog.fromMetrics(try RunMetrics.read(path: dir.metricsPath), path: dir.metricsPath)
            }
            guard log.steps.count >= 3 else { throw ConfigError("\(log.source): \(log.steps.count) loss points; stages need at least 3") }
            let det = StageDetector(options: .init(halfWidth: halfWidth, kappaPlateau: kappaPlateau, kappaDescent: kappaDescent, minPlateauSteps: minPlateau),
                                    changePointOptions: .init(maxSegments: maxSegments))
            let r = det.detect(steps: log.steps, loss: log.loss)
            say("loss log: \(log.source), \(log.steps.count) points, steps \(log.steps.first!)..\(log.steps.last!)")
            say("  stage               steps            loss (smoothed)      mean kappa")
            func show(_ name: String, _ i: StageDetector.Interval?) {
                guard let i else { say("  \(name.padding(toLength: 18, withPad: " ", startingAt: 0))  not found"); return }
                say(String(format: "  %@  %6d..%-7d  %.5f -> %.5f   %+.3f", name.padding(toLength: 18, withPad: " ", startingAt: 0),
                           i.startStep, i.endStep, i.startLoss, i.endLoss, i.meanKappa))
            }
            show("initial plateau", r.initialPlateau)
            show("initial descent", r.initialDescent)
            show("secondary plateau", r.secondaryPlateau)
            say("  all intervals: " + r.intervals.map { "\($0.kind.rawValue) \($0.startStep)..\($0.endStep)" }.joined(separator: ", "))
            say("change points (piecewise-linear ln loss vs step): " + r.changePoints.changePoints.map { String(format: "%.0f", $0) }.joined(separator: ", "))

            // Checkpoints: model files epoch-NNNN.safetensors (state files not needed here).
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.checkpointsPath)) ?? []
            let epochs = names.compactMap { n -> Int? in
                guard n.hasPrefix("epoch-"), n.hasSuffix(".safetensors"), !n.hasSuffix(".state.safetensors") else { return nil }
                return Int(n.dropFirst("epoch-".count).dropLast(".safetensors".count))
            }.sorted()
            var track = AmplitudeTrack()
            var first: AmplitudeDistributions? = nil, previous: AmplitudeDistributions? = nil
            var firstShape: ModelShape? = nil
            for e in epochs {
                let p = try ModelWeights.read(path: dir.modelPath(epoch: e), expected: firstShape)
                let d = AmplitudeDistributions(p)
                if first == nil { first = d; firstShape = p.layout.shape }
                track.append(epoch: e, d, first: first!, previous: previous)
                previous = d
            }
            if epochs.isEmpty {
                say("weight amplitudes: no checkpoints in \(dir.checkpointsPath)")
            } else {
                say("weight amplitudes over \(epochs.count) checkpoints (W1; alpha = input amplitude per unit, beta = |fc.weight|):")
                say("  epoch  alpha->prev  alpha->first  beta->prev  beta->first  alpha<->beta")
                func f(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "-" }
                for w in track.rows {
                    say("  " + String(w.epoch).leftPadded(5) + "  " + [f(w.alphaToPrevious).leftPadded(11), f(w.alphaToFirst).leftPadded(12),
                        f(w.betaToPrevious).leftPadded(10), f(w.betaToFirst).leftPadded(11), f(w.alphaToBeta).leftPadded(12)].joined(separator: "  "))
                }
            }

            let out = json ?? (directory + "/stages.json")
            try JSONFile.write(Summary(run: directory, lossSource: log.source, options: r.options, intervals: r.intervals, initialPlateau: r.initialPlateau,
                                       initialDescent: r.initialDescent, secondaryPlateau: r.secondaryPlateau, changePoints: r.changePoints,
                                       checkpoints: track.rows), to: out)
            let stem = out.hasSuffix(".json") ? String(out.dropLast(5)) : out
            func stage(_ k: Int) -> String {
                let s = r.steps[k]
                for (name, i) in [("initial_plateau", r.initialPlateau), ("initial_descent", r.initialDescent), ("secondary_plateau", r.secondaryPlateau)] {
                    if let i, s >= i.startStep && s <= i.endStep { return name }
                }
                return ""
            }
            try CSVTable(header: ["step", "loss", "smoothed_loss", "kappa", "stage"],
                         rows: r.steps.indices.map { [String(r.steps[$0]), studyNumber(log.loss[$0]), studyNumber(r.smoothedLoss[$0]), studyNumber(r.kappa[$0]), stage($0)] })
                .write(path: stem + "-curve.csv")
            let tensorNames = track.rows.first?.tensorToFirst.keys.sorted() ?? []
            func opt(_ x: Double?) -> String { x.map(studyNumber) ?? "" }
            try CSVTable(header: ["epoch", "alpha_to_previous", "alpha_to_first", "beta_to_previous", "beta_to_first", "alpha_to_beta", "alpha_mean", "beta_mean"]
                            + tensorNames.flatMap { ["\($0)_to_previous", "\($0)_to_first"] },
                         rows: track.rows.map { w in
                             [String(w.epoch), opt(w.alphaToPrevious), studyNumber(w.alphaToFirst), opt(w.betaToPrevious), studyNumber(w.betaToFirst),
                              studyNumber(w.alphaToBeta), studyNumber(w.alphaMean), studyNumber(w.betaMean)]
                                 + tensorNames.flatMap { [opt(w.tensorToPrevious?[$0]), opt(w.tensorToFirst[$0])] }
                         })
                .write(path: stem + "-wasserstein.csv")
            info("wrote \(out), \(stem)-curve.csv, \(stem)-wasserstein.csv")
        }
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
