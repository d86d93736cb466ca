import ArgumentParser
import Foundation
import LyapCore
import LyapIO
import LyapDynamics
import LyapStudy
import LyapTraining

struct CyclesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cycles",
        abstract: "Test-loss cycles of a run, order/chaos transitions, their alignment, and early stopping.",
        discussion: """
            Reads RUN/metrics.csv. Cycles: test loss smoothed over --smooth epochs, extrema need a swing larger
            than --noise-factor times the noise (MAD of first differences); the best epoch is the raw minimum.
            Transitions and the alignment need the phase column (lyap train --analyze-every K). Writes
            RUN/cycles.json (or --json OUT) and, beside it, OUT-extrema.csv and OUT-transitions.csv.
            The transitions and their alignment are reported under three phase rules (lab, distance,
            reproduction; docs/science/PROTOCOL.md), with the collapses (each cycle's sharpest one-epoch drop)
            and the mean lambda1 and D~ before minus after each collapse against a cyclic-shift null. Several
            runs: each is reported, then everything pooled over them, into --json OUT (required then).
              lyap cycles runs/demo --patience 20
              lyap cycles runs/k-s0 runs/k-s1 runs/k-s2 --json runs/k-pooled.json --null-draws 10000
            """)

    @Argument(help: ArgumentHelp("Run directories (holding metrics.csv).", valueName: "RUN")) var directories: [String]
    @Option(help: "Summary JSON (default RUN/cycles.json); CSV tables are written beside it.") var json: String?
    @Option(help: "Patience of the early-stopping comparison, in epochs (default 20).") var patience: Int = 20
    @Option(help: "Moving-average window for the test loss, in epochs (default 3).") var smooth: Int = 3
    @Option(help: "Swing threshold in units of the noise sigma (default 4).") var noiseFactor: Double = 4
    @Option(help: "Non-edge analysed epochs a new phase must last to count (default 2).") var hysteresis: Int = 2
    @Option(help: "Draws of the shifted-transition null (default 1000).") var nullDraws: Int = 1000
    @Option(help: "Seed of the null's random shifts (default 0).") var seed: UInt64 = 0
    @Option(help: "Analysed epochs before and after a collapse that its dynamics difference averages (default 8).")
    var collapseWindow: Int = 8
    @Option(help: "Whose D~ the distance and reproduction rules and the D~ read-out use: end_of_drive (the protocol's primary) or initial (its secondary analysis); the lab rule is the phase column (end of drive) either way.")
    var placement: Placement = .endOfDrive
    @Option(help: "Keep only collapses whose one-epoch test-loss drop is at least this (PROTOCOL.md's secondary set: 0.5; default: all).")
    var minDrop: Double?

    enum Placement: String, ExpressibleByArgument, Encodable {
        case endOfDrive = "end_of_drive", initial
        /// Its metrics.csv / early.csv column.
        var column: String { "distance_" + rawValue }
    }

    struct Summary: Encodable {
        var run: String
        /// The D~ placement the distance-based rules and read-out used (the JSON keys keep their end-of-drive names).
        var placement: Placement
        var cycles: CycleDetector.Result
        var transitions: [PhaseTransition]?
        var alignment: Alignment?
        var alignmentNote: String?
        var earlyStopping: EarlyStopping
        var study: CycleStudy
    }

    struct PooledSummary: Encodable {
        var placement: Placement
        var runs: [Summary]
        var pooled: CycleStudy.Pooled
    }

    func run() throws {
        try reportingErrors {
            guard patience >= 1 else { throw ConfigError("--patience \(patience) must be at least 1") }
            guard smooth >= 1 else { throw ConfigError("--smooth \(smooth) must be at least 1") }
            guard noiseFactor > 0 else { throw ConfigError("--noise-factor \(noiseFactor) must be positive") }
            guard hysteresis >= 1 else { throw ConfigError("--hysteresis \(hysteresis) must be at least 1") }
            guard nullDraws >= 1 else { throw ConfigError("--null-draws \(nullDraws) must be at least 1") }
            if let d = minDrop, !(d >= 0 && d.isFinite) { throw ConfigError("--min-drop \(d) must be a finite number ≥ 0") }
            guard collapseWindow >= 1 else { throw ConfigError("--collapse-window \(collapseWindow) must be at least 1") }
            guard !directories.isEmpty else { throw ConfigError("lyap cycles needs at least one run directory") }
            if placement == .initial {
                say("D~ placement: initial (distance_initial) for the distance and reproduction rules and the D~ read-out; the lab rule is the phase column, on the end-of-drive placement")
            }
            if directories.count > 1 {
                guard let out = json else { throw ConfigError("--json OUT is needed with several runs (where the pooled summary goes)") }
                var all: [(metrics: RunMetrics, study: CycleStudy)] = [], summaries: [Summary] = []
                for d in directories {
                    say("== \(d)")
                    let (m, summary) = try analyse(d, write: false)
                    all.append((m, summary.study))
                    summaries.append(summary)
                }
                let pooled = CycleStudy.pooled(all, settings: settings(chaosThreshold: nil))
                printPooled(pooled)
                try JSONFile.write(PooledSummary(placement: placement, runs: summaries, pooled: pooled), to: out)
                info("wrote \(out)")
            } else {
                _ = try analyse(directories[0], write: true)
            }
        }
    }

    func settings(chaosThreshold: Double?) -> CycleStudy.Settings {
        CycleStudy.Settings(hysteresis: hysteresis, nullDraws: nullDraws, seed: seed, chaosThreshold: chaosThreshold,
                            collapseWindow: collapseWindow, minimumDrop: minDrop)
    }

    /// One run: prints its report; with `write`, writes its JSON and CSV tables.
    func analyse(_ directory: String, write: Bool) throws -> (RunMetrics, Summary) {
        let dir = RunDirectory(directory)
        var m = try RunMetrics.read(path: dir.metricsPath)
        if placement == .initial { m.distanceEndOfDrive = m.distanceInitial }
        let c = CycleDetector(options: .init(smoothWindow: smooth, noiseFactor: noiseFactor)).detect(epochs: m.epochs, values: m.testLoss)
        say(String(format: "test loss: %d epochs, noise sigma %.3g, swing threshold %.3g", m.epochs.count, c.noiseSigma, c.swingThreshold))
        say("extrema (smoothed over \(smooth) epochs, from the first minimum):")
        say("  epoch  kind     smoothed   raw")
        for e in c.extrema { say(String(format: "  %5d  %@  %.6f   %.6f", e.epoch, e.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0), e.value, e.rawValue)) }
        say("cycles (min -> max -> min): \(c.cycles.count)")
        for y in c.cycles { say(String(format: "  %d -> %d -> %d  rise %.4f  drop %.4f", y.startEpoch, y.peakEpoch, y.endEpoch, y.rise, y.drop)) }
        say(String(format: "best epoch (raw test-loss minimum): %d, loss %.6f; smoothed minimum at %d", c.bestEpoch, c.bestValue, c.bestEpochSmoothed))

        var transitions: [PhaseTransition]? = nil
        var alignment: Alignment? = nil
        var note: String? = nil
        if !m.hasAnalysisColumns || m.phases.isEmpty {
            note = m.hasAnalysisColumns ? "\(dir.metricsPath) has no analysed epoch yet (empty phase column)"
                : "\(dir.metricsPath) has no phase column: transitions and alignment need the analysis columns (lyap train --analyze-every K)"
            printErr("lyap: warning: \(note!)")
        } else {
            let t = PhaseTransition.detect(epochs: m.phaseEpochs, labels: m.phases, hysteresis: hysteresis)
            transitions = t
            say("phases: \(m.phases.count) analysed epochs (\(m.phaseEpochs.first!)..\(m.phaseEpochs.last!)); transitions (hysteresis \(hysteresis)): \(t.count)")
            for x in t { say(String(format: "  %@ at epoch %d (last %@ epoch %d)", x.name, x.epoch, x.from.rawValue, x.lastEpochBefore)) }
            alignment = Alignment.compute(minima: c.minima.map(\.epoch), transitions: t, rangeStart: m.phaseEpochs.first!,
                                          rangeEnd: m.phaseEpochs.last!, draws: nullDraws, seed: seed)
            if let a = alignment {
                say("alignment: test-loss minimum -> nearest transition (epochs, minimum minus transition midpoint):")
                for p in a.pairs { say(String(format: "  %5d  %@ at %.1f  distance %+.1f", p.minimumEpoch, p.transition, p.transitionLocation, p.distance)) }
                say(String(format: "  mean |distance| %.2f; null (%d cyclic shifts, seed %llu): mean %.2f, p = %.4f", a.statistic, a.nullDraws, a.seed, a.nullMean, a.p))
            } else {
                note = t.isEmpty ? "no order/chaos transition in the analysed epochs" : "no test-loss minimum within the analysed epochs"
                say("alignment: \(note!)")
            }
        }
        let es = EarlyStopping.compare(epochs: m.epochs, testLoss: m.testLoss, testAcc: m.testAcc, patience: patience, transitions: transitions ?? [])
        say("early stopping:")
        func row(_ name: String, _ p: EarlyStopping.Point) { say(String(format: "  %@ epoch %5d  test loss %.6f  test acc %.4f", name.padding(toLength: 40, withPad: " ", startingAt: 0), p.epoch, p.testLoss, p.testAcc)) }
        row("patience \(patience) (stops at \(es.patienceStopEpoch)\(es.patienceTriggered ? "" : ", never triggered"))", es.patienceKept)
        if let oc = es.firstOrderToChaos { row("first order->chaos transition", oc) } else { say("  first order->chaos transition      none") }
        row("best epoch", es.best)

        let threshold = RunFiles.config(in: directory).flatMap { cfg in cfg.analysis.map { a in log(a.epsilon * Double(cfg.model.hidden).squareRoot()) } }
        let earlyPath = dir.earlyPath
        let early = FileManager.default.fileExists(atPath: earlyPath) ? try EarlyPoints.read(path: earlyPath, distanceColumn: placement.column) : []
        let study = CycleStudy(metrics: m, cycles: c, settings: settings(chaosThreshold: threshold), early: early)
        printStudy(study)
        let summary = Summary(run: directory, placement: placement, cycles: c, transitions: transitions, alignment: alignment, alignmentNote: note,
                              earlyStopping: es, study: study)
        guard write else { return (m, summary) }
        let out = json ?? (directory + "/cycles.json")
        try JSONFile.write(summary, to: out)
        let stem = out.hasSuffix(".json") ? String(out.dropLast(5)) : out
        try CSVTable(header: ["epoch", "kind", "smoothed", "raw"],
                     rows: c.extrema.map { [String($0.epoch), $0.kind.rawValue, studyNumber($0.value), studyNumber($0.rawValue)] }).write(path: stem + "-extrema.csv")
        if let t = transitions {
            try CSVTable(header: ["epoch", "last_epoch_before", "location", "from", "to"],
                         rows: t.map { [String($0.epoch), String($0.lastEpochBefore), studyNumber($0.location), $0.from.rawValue, $0.to.rawValue] })
                .write(path: stem + "-transitions.csv")
        }
        info("wrote \(out), \(stem)-extrema.csv\(transitions == nil ? "" : ", \(stem)-transitions.csv")")
        return (m, summary)
    }

    func printStudy(_ s: CycleStudy) {
        say("collapses (sharpest one-epoch drop of each cycle\(minDrop.map { String(format: ", drops >= %g only", $0) } ?? "")): " + (s.collapses.isEmpty ? "none" : s.collapses.map { String(format: "%d (%.3f)", $0.epoch, $0.drop) }.joined(separator: ", ")))
        say("phase rules (hysteresis \(hysteresis)):")
        for r in s.rules {
            if r.transitions.isEmpty {
                say("  \(r.rule.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(r.note ?? "no transition")\(r.analysedEpochs.isEmpty ? "" : " (\(r.analysedEpochs.count) analysed epochs)")")
                continue
            }
            let names = r.transitions.map { "\($0.name)@\($0.epoch)" }.joined(separator: " ")
            func a(_ x: Alignment?) -> String { x.map { String(format: "%.2f (null %.2f, p %.4f)", $0.statistic, $0.nullMean, $0.pPlusOne) } ?? "-" }
            say("  \(r.rule.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(names)")
            say("               minima mean |distance| \(a(r.minimaAlignment)); collapses \(a(r.collapseAlignment))")
        }
        say("best point vs the first order->chaos transition (every evaluated point, early ones included):")
        for r in s.rules {
            guard let b = r.bestPoint else { continue }
            let name = r.rule.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
            var line = String(format: "  %@ best epoch %g (test loss %.4f): ", name, b.bestEpoch, b.bestTestLoss)
            if let lo = b.lastOrderEpoch, let hi = b.firstChaosEpoch {
                line += String(format: "O->C in (%g, %g], %d analysed points away: %@", lo, hi, b.analysedPointsAway ?? -1, b.holds ? "holds" : "does not hold")
            } else {
                line += "no order->chaos transition: does not hold"
            }
            if let w = r.edgeWidths, !w.widths.isEmpty {
                line += "; edge widths " + w.widths.map { "\($0.transition)@step \($0.step): \($0.width)" }.joined(separator: ", ")
                    + (w.holds.map { $0 ? " (first O->C widest)" : " (first O->C not widest)" } ?? "")
            }
            say(line)
        }
        printDynamics(s.dynamics)
    }

    func printDynamics(_ d: [String: CollapseDynamics]) {
        for name in CycleStudy.readOuts {
            let shown = name == "distance_end_of_drive" ? placement.column : name
            guard let x = d[name] else { say("  \(shown): no collapse with analysed epochs on both sides"); continue }
            say(String(format: "  %@ before minus after collapse (±%d epochs): %+.4g over %d collapses; null %+.4g, one-sided p %.4f",
                       shown, x.window, x.statistic, x.differences.count, x.nullMean ?? .nan, x.p))
        }
    }

    func printPooled(_ p: CycleStudy.Pooled) {
        say("== pooled over \(p.runs) runs")
        for rule in PhaseRule.allCases {
            func a(_ x: PooledAlignment?) -> String {
                x.map { String(format: "%.2f over %d epochs of %d runs (null %.2f, p %.4f)", $0.statistic, $0.epochsUsed, $0.runsUsed, $0.nullMean, $0.p) } ?? "no run with transitions"
            }
            say("  \(rule.rawValue): minima \(a(p.minimaAlignment[rule.rawValue])); collapses \(a(p.collapseAlignment[rule.rawValue]))")
        }
        printDynamics(p.dynamics)
    }
}

func studyNumber(_ x: Double) -> String { String(format: "%.9g", x) }
