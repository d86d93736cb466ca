import Foundation
import Testing
import LyapIO
@testable import LyapReport

struct MetaStateFigureTests {
    @Test func aRunsMetastatesOutputBecomesAFigureWithThresholdOnsetsAndJumps() throws {
        let dir = NSTemporaryDirectory() + "lyap-report-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try CSVTable(header: ["epoch", "train_loss", "test_loss"], rows: (1...6).map { [String($0), "0.7", "0.7"] })
            .write(path: dir + "/metrics.csv")
        #expect(try ReportInputs.load(runDir: dir, dynamicsPath: nil, tanhMapPath: nil).metaStates == nil)
        try #"{"epochs": [1,2,3,4,5,6], "distances": [0.5,1,0.8,4.2,4.5,2], "threshold": 3.7, "onsets": [4], "jumps": [5], "components": 2, "features": ["x"]}"#
            .write(toFile: dir + "/metastates.json", atomically: true, encoding: .utf8)
        let r = Report(try ReportInputs.load(runDir: dir, dynamicsPath: nil, tanhMapPath: nil))
        let f = try #require(r.figures.first { $0.id == "metastates" })
        let svg = try #require(XMLCollector.parse(f.svg))
        #expect(svg.elements.contains { $0.attrs["class"] == "ylabel" })
        #expect(f.svg.contains("threshold 3.70") && f.svg.contains("onset") && f.svg.contains("loss jump"))
        #expect(f.svg.contains("distance (2 components)"))
        try #"{"epochs": [1]}"#.write(toFile: dir + "/metastates.json", atomically: true, encoding: .utf8)
        #expect { _ = try ReportInputs.load(runDir: dir, dynamicsPath: nil, tanhMapPath: nil) } throws: { "\($0)".contains("metastates.json") }
    }
}
