import Foundation
import LyapCore
import LyapIO
import LyapTraining

/// The state of a group of sweep configurations that train together, saved every few epochs so a killed
/// sweep continues inside a configuration instead of redoing it: each model's parameters, Adam moments and
/// step, its data-order stream, and the per-epoch rows so far. One safetensors file per group in
/// DIR/partial, named after its first configuration; written atomically, and removed once the group's
/// records are written. Tensor values are stored in the run's precision (exact for its backends).
public enum SweepGroupCheckpoint {
    public static let format = "lyap-sweep-group-1"

    public struct Contents: Equatable {
        public var ids: [String]
        public var epoch: Int
        public var states: [TrainingState<Double>]
        public var dataOrders: [LabRNG]
        /// Per configuration, its sweep.csv rows of epochs 1...epoch.
        public var rows: [[[String]]]

        public init(ids: [String], epoch: Int, states: [TrainingState<Double>], dataOrders: [LabRNG], rows: [[[String]]]) {
            self.ids = ids
            self.epoch = epoch
            self.states = states
            self.dataOrders = dataOrders
            self.rows = rows
        }
    }

    public static func path(in dir: SweepDirectory, ids: [String]) -> String { dir.path + "/partial/" + ids[0] + ".safetensors" }

    public static func write(_ c: Contents, in dir: SweepDirectory, precision: RunConfig.Precision) throws {
        var tensors: [String: SafeTensor] = [:]
        for (k, s) in c.states.enumerated() {
            let n = [s.params.values.count]
            tensors["model\(k).params"] = ModelWeights.tensor(s.params.values, shape: n, precision)
            tensors["model\(k).exp_avg"] = ModelWeights.tensor(s.m, shape: n, precision)
            tensors["model\(k).exp_avg_sq"] = ModelWeights.tensor(s.v, shape: n, precision)
            tensors["model\(k).step"] = SafeTensor(int64s: [Int64(s.step)], shape: [1])
            tensors["model\(k).data_order"] = SafeTensor(int64s: c.dataOrders[k].stateWords.map { Int64(bitPattern: $0) }, shape: [4])
        }
        let rows = try String(decoding: JSONEncoder().encode(c.rows), as: UTF8.self)
        let ids = try String(decoding: JSONEncoder().encode(c.ids), as: UTF8.self)
        try FileManager.default.createDirectory(atPath: dir.path + "/partial", withIntermediateDirectories: true)
        try SafeTensorsFile(tensors: tensors, metadata: ["format": format, "epoch": "\(c.epoch)", "ids": ids, "rows": rows])
            .write(path: path(in: dir, ids: c.ids))
    }

    /// The group's checkpoint if there is one for exactly these configurations (nil otherwise: none, or
    /// one of a different grouping, which is then ignored and overwritten).
    public static func read(in dir: SweepDirectory, ids: [String], layouts: [ParameterLayout]) throws -> Contents? {
        let p = path(in: dir, ids: ids)
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        let f = try SafeTensorsFile.read(path: p)
        let bad = { (what: String) in ConfigError("\(p): \(what); delete the file to redo this group from its start") }
        guard f.metadata["format"] == format, let epochText = f.metadata["epoch"], let epoch = Int(epochText), epoch >= 1,
              let idsText = f.metadata["ids"], let rowsText = f.metadata["rows"] else { throw bad("not a lyap sweep checkpoint") }
        guard let saved = try? JSONDecoder().decode([String].self, from: Data(idsText.utf8)) else { throw bad("unreadable ids") }
        guard saved == ids else { return nil }
        guard let rows = try? JSONDecoder().decode([[[String]]].self, from: Data(rowsText.utf8)), rows.count == ids.count,
              rows.allSatisfy({ $0.count == epoch }) else { throw bad("rows do not match epoch \(epoch)") }
        var states: [TrainingState<Double>] = [], orders: [LabRNG] = []
        for (k, layout) in layouts.enumerated() {
            let n = [layout.count]
            let params = try f.tensor("model\(k).params", dtype: nil, shape: n).asDoubles()
            let m = try f.tensor("model\(k).exp_avg", dtype: nil, shape: n).asDoubles()
            let v = try f.tensor("model\(k).exp_avg_sq", dtype: nil, shape: n).asDoubles()
            let step = try f.tensor("model\(k).step", dtype: .i64, shape: [1]).asInt64s()[0]
            let words = try f.tensor("model\(k).data_order", dtype: .i64, shape: [4]).asInt64s().map { UInt64(bitPattern: $0) }
            guard step >= 0, let rng = LabRNG(state: words) else { throw bad("invalid step or RNG state of model \(k)") }
            states.append(TrainingState(params: ParameterStore(layout: layout, values: params), m: m, v: v, step: Int(step)))
            orders.append(rng)
        }
        return Contents(ids: ids, epoch: epoch, states: states, dataOrders: orders, rows: rows)
    }

    public static func remove(in dir: SweepDirectory, ids: [String]) {
        try? FileManager.default.removeItem(atPath: path(in: dir, ids: ids))
        _ = rmdir(dir.path + "/partial")  // only once empty (FileManager would remove other groups' files too)
    }
}
