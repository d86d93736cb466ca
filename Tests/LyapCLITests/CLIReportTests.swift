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
}
