import Foundation
import Testing

/// `lyap study` end to end on a small slice: training with the analysis, the per-checkpoint analysis,
/// cycles, the tanh map and the report, all in one run directory.
struct CLIStudyCommandTests {
    @Test func studyRunsEndToEnd() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/study"
        let r = try CLI.run(["study", "--out", out, "--analyze-every", "3", "--reviews", "4", "--epochs", "9", "--backend", "cpu"] + s.small)
        #expect(r.status == 0, "\(r.stderr)")
        for f in ["config.json", "metrics.csv", "dynamics.json", "cycles.json", "metastates.json", "tanh-map.csv", "report/report.html",
                  "report/metastates.svg", "checkpoints/epoch-0003.safetensors", "checkpoints/epoch-0009.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + f), "missing \(f)")
        }
        let csv = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)
        #expect(csv.hasPrefix("epoch,step,train_loss,train_acc,test_loss,test_acc,seconds,max_exponent"))
        let html = try String(contentsOfFile: out + "/report/report.html", encoding: .utf8)
        // The SVG namespace URI is an identifier, not a fetch; no attribute may load anything.
        #expect(html.contains("<svg"))
        for bad in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "url(http", "<script src"] {
            #expect(!html.contains(bad), "report.html loads \(bad)")
        }
        #expect(r.stdout.contains("study done"))
    }

    @Test func studyPassesBadTrainFlagsThroughAsOneLine() throws {
        let s = try Scratch()
        defer { s.remove() }
        let r = try CLI.run(["study", "--out", s.dir + "/x"] + s.small + ["--hidden", "0"])
        #expect(r.status != 0 && r.stderrLines.count == 1 && r.stderr.contains("--hidden"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/x"))
    }
}
