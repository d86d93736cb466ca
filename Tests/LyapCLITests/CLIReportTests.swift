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
        let csv = try String(contentsOfFile: s.dir + "/both/runs-test-loss.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 7 && csv[1].hasPrefix("s0,1,") && csv[4].hasPrefix("s1,1,"))
    }
}
