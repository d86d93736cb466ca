import Foundation
import Testing

/// `lyap metastates RUN` on a small run: the tables are written and loadable, bad settings are one line.
struct CLIMetaStatesTests {
    @Test func writesTheTablesAndRefusesBadSettings() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        #expect(try CLI.run(["train", "--out", run, "--epochs", "8", "--backend", "cpu"] + s.small).status == 0)
        let r = try CLI.run(["metastates", run, "--reference", "4", "--components", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("features: train_loss, train_acc, test_loss, test_acc") && r.stdout.contains("deviation onsets"))
        let csv = try String(contentsOfFile: run + "/metastates.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "epoch,pc1,pc2,distance,deviating" && csv.count == 9)
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/metastates.json"))) as? [String: Any])
        #expect((json["distances"] as? [Double])?.count == 8 && json["leads"] != nil && json["onsets"] != nil)
        for (args, phrase) in [(["--reference", "8"], "--reference 8"), (["--reference", "4", "--components", "9"], "--components 9"),
                               (["--threshold", "0"], "--threshold 0")] {
            let bad = try CLI.run(["metastates", run] + args)
            #expect(bad.status != 0 && bad.stderrLines.count == 1 && bad.stderr.contains(phrase), "\(args): \(bad.stderr)")
        }
        let none = try CLI.run(["metastates", s.dir + "/nothing"])
        #expect(none.status != 0 && none.stderr.contains("metrics.csv"), "\(none.stderr)")
    }
}
