import Foundation
import Testing
import LyapCore
import LyapStudy
import LyapTraining

struct SweepGroupCheckpointTests {
    func contents(_ layouts: [ParameterLayout]) -> SweepGroupCheckpoint.Contents {
        var rng = LabRNG(seed: 3)
        let states = layouts.map { l -> TrainingState<Double> in
            func values() -> [Double] { (0..<l.count).map { _ in Double(Float(rng.uniform(-1, 1))) } }
            return TrainingState(params: ParameterStore(layout: l, values: values()), m: values(), v: values().map(abs), step: 17)
        }
        return .init(ids: ["a_h2", "a_h3"], epoch: 2, states: states, dataOrders: [LabRNG(seed: 1), LabRNG(seed: 2)],
                     rows: [[["a", "1"], ["a", "2"]], [["b", "1"], ["b", "2"]]])
    }

    @Test func roundTripsExactlyAndIgnoresOtherGroupings() throws {
        let dir = SweepDirectory(NSTemporaryDirectory() + "lyap-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let layouts = [2, 3].map { ParameterLayout(ModelShape(vocab: 7, embed: 2, hidden: $0)) }
        let c = contents(layouts)
        try SweepGroupCheckpoint.write(c, in: dir, precision: .float32)  // the values are floats: exact
        #expect(try SweepGroupCheckpoint.read(in: dir, ids: c.ids, layouts: layouts) == c)
        // Same first configuration, different grouping (e.g. another --max-models): not this group's state.
        #expect(try SweepGroupCheckpoint.read(in: dir, ids: ["a_h2"], layouts: [layouts[0]]) == nil)
        SweepGroupCheckpoint.remove(in: dir, ids: c.ids)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/partial"))
        #expect(try SweepGroupCheckpoint.read(in: dir, ids: c.ids, layouts: layouts) == nil)
    }

    @Test func aDamagedCheckpointIsAClearError() throws {
        let dir = SweepDirectory(NSTemporaryDirectory() + "lyap-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        try FileManager.default.createDirectory(atPath: dir.path + "/partial", withIntermediateDirectories: true)
        try Data("not safetensors".utf8).write(to: URL(fileURLWithPath: SweepGroupCheckpoint.path(in: dir, ids: ["x"])))
        #expect(throws: (any Error).self) {
            _ = try SweepGroupCheckpoint.read(in: dir, ids: ["x"], layouts: [ParameterLayout(ModelShape(vocab: 7, embed: 2, hidden: 2))])
        }
    }
}
