import Foundation
import Testing

@Suite struct CLIReportTests {
    @Test func reportOnATrainedRun() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        let t = try CLI.run(["train", "--out", run, "--epochs", "3", "--analyze-every", "1", "--analyze-reviews", "4"] + s.small)
        #expect(t.status == 0, "\(t.stderr)")
        let r = try CLI.run(["report", run, "--out", s.dir + "/rep"])
        #expect(r.status == 0, "\(r.stderr)")
        for f in ["report.html", "loss.svg", "loss.csv", "accuracy.svg", "distance.svg", "exponent.svg"] {
            #expect(FileManager.default.fileExists(atPath: s.dir + "/rep/" + f), "\(f) missing")
        }
        // What the main charts draw: each series through the run's own metrics.csv values, read back through the
        // labelled ticks, with the axis labels and legend.
        let m = try csvColumns(run + "/metrics.csv")
        let epochs = try #require(m["epoch"]).map { $0! }
        func points(_ column: String) throws -> [(x: Double, y: Double)] {
            try zip(epochs, #require(m[column], "\(column) missing")).compactMap { e, v in v.map { (e, $0) } }
        }
        let charts: [(file: String, yLabel: String, series: [(name: String, column: String)])] = [
            ("loss", "loss (binary cross-entropy, nats)", [("train loss", "train_loss"), ("test loss", "test_loss")]),
            ("accuracy", "accuracy (fraction correct)", [("train accuracy", "train_acc"), ("test accuracy", "test_acc")]),
            ("distance", "⟨ln d⟩ over reviews (d: L2 distance of h_T)",
             [("perturbed at h₋₁ (initial)", "distance_initial"), ("perturbed at end of drive", "distance_end_of_drive")]),
            ("exponent", "λ₁ (nats per step)", [("λ₁ (mean over reviews)", "max_exponent")]),
        ]
        for chart in charts {
            let svg = try SVGChartReader(path: s.dir + "/rep/" + chart.file + ".svg")
            #expect(svg.xLabel == "epoch" && svg.yLabel == chart.yLabel, "\(chart.file): axes \(svg.xLabel), \(svg.yLabel)")
            #expect(svg.xTicks.count >= 2 && svg.yTicks.count >= 2, "\(chart.file): ticks \(svg.xTicks) \(svg.yTicks)")
            for (name, column) in chart.series {
                #expect(svg.legend.contains(name), "\(chart.file): legend \(svg.legend)")
                let data = try points(column)
                #expect(data.count == 3, "\(column): \(data.count) rows")
                try svg.expectLine(name, through: data)
            }
        }
        let html = try String(contentsOfFile: s.dir + "/rep/report.html", encoding: .utf8)
        #expect(html.contains("Not shown") && !html.contains("<script"))
        // Default output directory: RUN/report.
        let d = try CLI.run(["report", run])
        #expect(d.status == 0 && FileManager.default.fileExists(atPath: run + "/report/report.html"))
    }

    @Test func missingRunIsOneLineError() throws {
        let s = try Scratch()
        defer { s.remove() }
        let r = try CLI.run(["report", s.dir + "/nope"])
        #expect(r.status == 2)
        #expect(r.stderrLines.count == 1 && r.stderr.contains("no such run directory"))
        let e = try CLI.run(["report", s.dir])  // a directory without metrics.csv
        #expect(e.status == 2 && e.stderrLines.count == 1 && e.stderr.contains("metrics.csv"))
    }

    @Test func severalRunsOverlaid() throws {
        let s = try Scratch()
        defer { s.remove() }
        for (name, seed) in [("s0", "0"), ("s1", "1")] {
            let t = try CLI.run(["train", "--out", s.dir + "/" + name, "--epochs", "3", "--analyze-every", "1", "--analyze-reviews", "4",
                                 "--seed", seed, "--backend", "cpu"] + s.small)
            #expect(t.status == 0, "\(t.stderr)")
        }
        let runs = [s.dir + "/s0", s.dir + "/s1"]
        let noOut = try CLI.run(["report"] + runs)
        #expect(noOut.status != 0 && noOut.stderrLines.count == 1 && noOut.stderr.contains("--out"))
        let r = try CLI.run(["report"] + runs + ["--out", s.dir + "/both"])
        #expect(r.status == 0, "\(r.stderr)")
        // Every rule labels these runs (config.json gives the distance rule its threshold).
        for f in ["report.html", "runs-test-loss.svg", "runs-exponent.svg", "runs-distance.svg", "phases-lab.svg", "phases-distance.svg",
                  "phases-reproduction.svg"] {
            #expect(FileManager.default.fileExists(atPath: s.dir + "/both/" + f), "\(f) missing")
        }
        // Each run drawn through its own metrics.csv: test loss over every epoch, λ1 and the end-of-drive distance over the
        // analysed ones, with the column as the y label and the run names in the legend.
        for (file, column) in [("runs-test-loss", "test_loss"), ("runs-exponent", "max_exponent"), ("runs-distance", "distance_end_of_drive")] {
            let svg = try SVGChartReader(path: s.dir + "/both/" + file + ".svg")
            #expect(svg.xLabel == "epoch" && svg.yLabel == column, "\(file): axes \(svg.xLabel), \(svg.yLabel)")
            #expect(svg.legend.starts(with: ["s0", "s1"]), "\(file): legend \(svg.legend)")
            for name in ["s0", "s1"] {
                let m = try csvColumns(s.dir + "/" + name + "/metrics.csv")
                let data = zip(try #require(m["epoch"]), try #require(m[column])).compactMap { e, v in v.map { (e!, $0) } }
                #expect(data.count >= 3)
                try svg.expectLine(name, through: data)
            }
        }
        let csv = try String(contentsOfFile: s.dir + "/both/runs-test-loss.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 7 && csv[1].hasPrefix("s0,1,") && csv[4].hasPrefix("s1,1,"))
    }
}
