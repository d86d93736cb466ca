import Foundation
import LyapCore
import LyapIO
import Testing

/// What `lyap analyze --json` aggregates over reviews and over checkpoints, recomputed from the same JSON:
/// the median and positive fraction of λ1, and the phase transitions of a run directory.
@Suite(.serialized)
struct CLIAnalyzeAggregateTests {
    /// max_exponent (mean), max_exponent_median and max_exponent_positive_fraction of one checkpoint equal
    /// what its per_review λ1 give (8 reviews: the median is the mean of the 4th and 5th smallest).
    func expectAggregatesOfPerReview(_ c: AnalyzeRuns.Checkpoint, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let l1 = c.reviewExponents, e = c.epoch ?? -1
        #expect(l1.count == c.reviews.count && l1.count == 8, sourceLocation: sourceLocation)
        let s = l1.sorted(), n = s.count
        let median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
        let positive = Double(l1.filter { $0 > 0 }.count) / Double(n)
        let mean = l1.reduce(0, +) / Double(n)
        let j = c.json
        #expect(abs(try #require(j["max_exponent"] as? Double) - mean) < 1e-12, "epoch \(e)", sourceLocation: sourceLocation)
        #expect(abs(try #require(j["max_exponent_median"] as? Double) - median) < 1e-12, "epoch \(e): \(s)", sourceLocation: sourceLocation)
        #expect(try #require(j["max_exponent_positive_fraction"] as? Double) == positive, "epoch \(e): \(s)", sourceLocation: sourceLocation)
        try expectAggregatesObject(c, sourceLocation: sourceLocation)
    }

    /// `aggregates` holds mean, median and fraction > 0 of every per-review quantity, recomputed here from
    /// per_review; its means are the top-level figures.
    func expectAggregatesObject(_ c: AnalyzeRuns.Checkpoint, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let j = c.json, e = c.epoch ?? -1
        let a = try #require(j["aggregates"] as? [String: Any], sourceLocation: sourceLocation)
        func expectSummary(_ got: Any?, of values: [Double], _ what: String) {
            guard let g = got as? [String: Any] else { Issue.record("epoch \(e): no aggregate for \(what)", sourceLocation: sourceLocation); return }
            let s = values.sorted(), n = s.count
            let median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
            #expect(g["reviews"] as? Int == n, "epoch \(e) \(what)", sourceLocation: sourceLocation)
            #expect(abs((g["mean"] as? Double ?? .nan) - values.reduce(0, +) / Double(n)) < 1e-12, "epoch \(e) \(what) mean", sourceLocation: sourceLocation)
            #expect(abs((g["median"] as? Double ?? .nan) - median) < 1e-12, "epoch \(e) \(what) median", sourceLocation: sourceLocation)
            #expect(g["positive_fraction"] as? Double == Double(values.filter { $0 > 0 }.count) / Double(n),
                    "epoch \(e) \(what) fraction > 0", sourceLocation: sourceLocation)
        }
        let spectra = c.reviews.map { ($0["exponents"] as? [Any] ?? []).compactMap { $0 as? Double } }
        let k = spectra.first?.count ?? 0
        let exponents = a["exponents"] as? [Any] ?? []
        #expect(k > 1 && exponents.count == k, "epoch \(e)", sourceLocation: sourceLocation)
        for (i, x) in exponents.enumerated() { expectSummary(x, of: spectra.map { $0[i] }, "exponent \(i + 1)") }
        for q in ["ks_entropy", "kaplan_yorke"] {
            let v = c.reviews.compactMap { $0[q] as? Double }
            if v.isEmpty { #expect(a[q] == nil || a[q] is NSNull, sourceLocation: sourceLocation) } else { expectSummary(a[q], of: v, q) }
        }
        expectSummary(a["reduced_sum"], of: c.reviews.compactMap { $0["reduced_sum"] as? Double }, "reduced_sum")
        let logD = a["log_distance"] as? [String: Any] ?? [:]
        for p in ["initial", "end_of_drive"] {
            expectSummary(logD[p], of: c.reviewDistances(p).map { log($0 + exp(-15.0)) }, "log distance \(p)")
            let top = (j["asymptotic_distance"] as? [String: Any])?[p] as? Double
            #expect(abs(((logD[p] as? [String: Any])?["mean"] as? Double ?? .nan) - (top ?? .nan)) < 1e-12, sourceLocation: sourceLocation)
        }
        #expect(abs(((exponents.first as? [String: Any])?["mean"] as? Double ?? .nan) - (j["max_exponent"] as? Double ?? .nan)) < 1e-12,
                sourceLocation: sourceLocation)
    }

    /// A trained run whose checkpoints have λ1 of both signs among the reviews (init scale 5: positive
    /// fractions 0.75, 0.5, 0, 0 over epochs 1-4), analysed as a directory.
    @Test func medianAndPositiveFractionAreThoseOfPerReview() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = try AnalyzeRuns.train(s, epochs: 4, initScale: 5)
        let out = s.dir + "/run.json"
        try AnalyzeRuns.analyze(["--checkpoint", run, "--backend", "cpu"] + AnalyzeRuns.protocolFlags, json: out)
        let entries = try AnalyzeRuns.checkpoints(out)
        #expect(entries.count == 4)
        for c in entries { try expectAggregatesOfPerReview(c) }
        // The check means something: some checkpoint has both signs, and a median away from the mean.
        #expect(entries.contains { c in
            let f = c.json["max_exponent_positive_fraction"] as? Double ?? 0
            return f > 0 && f < 1
        })
        #expect(entries.contains { abs(($0.json["max_exponent_median"] as? Double ?? 0) - ($0.maxExponent ?? 0)) > 1e-4 })
    }

    /// The transition rule of methods.md §5.3 (and `PhaseTransition`), written out again: edge labels neither
    /// make nor break a phase; the settled phase changes at the first checkpoint of the new phase once the
    /// next `hysteresis` non-edge labels from there agree; an unconfirmed change at the end is not listed.
    static func transitions(epochs: [Int], labels: [String], hysteresis: Int) -> [Transition] {
        let settled = zip(epochs, labels).filter { $0.1 != "edge" }
        guard var state = settled.first?.1, var last = settled.first?.0 else { return [] }
        var out: [Transition] = []
        for i in settled.indices.dropFirst() {
            let (e, l) = settled[i]
            if l == state {
                last = e
            } else if settled[i...].prefix(hysteresis).count == hysteresis && settled[i...].prefix(hysteresis).allSatisfy({ $0.1 == l }) {
                out.append(Transition(from: state, to: l, epoch: e, lastEpochBefore: last))
                state = l
                last = e
            }
        }
        return out
    }

    struct Transition: Equatable, CustomStringConvertible {
        var from: String, to: String, epoch: Int, lastEpochBefore: Int
        init(from: String, to: String, epoch: Int, lastEpochBefore: Int) {
            (self.from, self.to, self.epoch, self.lastEpochBefore) = (from, to, epoch, lastEpochBefore)
        }
        init?(_ j: [String: Any]) {
            guard let f = j["from"] as? String, let t = j["to"] as? String, let e = j["epoch"] as? Int,
                  let b = j["last_epoch_before"] as? Int else { return nil }
            self.init(from: f, to: t, epoch: e, lastEpochBefore: b)
        }
        var description: String { "\(from)->\(to) at \(epoch) (last \(lastEpochBefore))" }
    }

    /// A checkpoint whose recurrent weights U are those of `source` times `gain`.
    static func scaledRecurrence(_ source: String, gain: Float, to path: String) throws {
        var f = try SafeTensorsFile.read(path: source)
        let u = try #require(f.tensors["lstm.weight_hh_l0"])
        f.tensors["lstm.weight_hh_l0"] = SafeTensor(floats: try u.asFloats().map { $0 * gain }, shape: u.shape)
        try f.write(path: path)
    }

    /// A run directory of 10 checkpoints (epochs 10, 20, ..., 100) made from one near-critical trained
    /// checkpoint (init scale 8, epoch 1) with its U scaled: O = U x 0 (h does not feed back: the twins never
    /// separate and λ1 = max ln f_j < 0; order by every rule), E = U x 1 (order by distance, λ1 > 0 for every
    /// review, edge by the lab rule) and C = U x 4 (chaos by every rule), in the order O O O E C C O C O O.
    /// The rules read that differently: by distance (E is order) O->C at 50 and C->O at 90, the flicker at
    /// 70-80 ignored; by λ1 (E is chaos) O->C already at 40; by the lab rule (E is edge and skipped) O->C at 50
    /// with the last order epoch 30. The JSON lists what the rule gives from its own labels, with hysteresis
    /// 2 (the default) and 1 (every change counts).
    @Test func transitionsFollowThePerCheckpointLabels() throws {
        let s = try Scratch()
        defer { s.remove() }
        let base = try AnalyzeRuns.train(s, epochs: 1, initScale: 8) + "/checkpoints/epoch-0001.safetensors"
        let dir = s.dir + "/crafted"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let gains: [Character: Float] = ["O": 0, "E": 1, "C": 4]
        let blocks = Array("OOOECCOCOO"), epochs = (1...10).map { 10 * $0 }
        for (b, e) in zip(blocks, epochs) {
            try Self.scaledRecurrence(base, gain: gains[b]!, to: dir + String(format: "/epoch-%04d.safetensors", e))
        }
        let expectedLabels: [String: [Character: String]] = [
            "distance_rule": ["O": "order", "E": "order", "C": "chaos"],
            "exponent_rule": ["O": "order", "E": "chaos", "C": "chaos"],
            "lab_rule": ["O": "order", "E": "edge", "C": "chaos"],
        ]
        let expected: [Int: [String: [Transition]]] = [
            2: ["distance": [.init(from: "order", to: "chaos", epoch: 50, lastEpochBefore: 40), .init(from: "chaos", to: "order", epoch: 90, lastEpochBefore: 80)],
                "exponent": [.init(from: "order", to: "chaos", epoch: 40, lastEpochBefore: 30), .init(from: "chaos", to: "order", epoch: 90, lastEpochBefore: 80)],
                "lab": [.init(from: "order", to: "chaos", epoch: 50, lastEpochBefore: 30), .init(from: "chaos", to: "order", epoch: 90, lastEpochBefore: 80)]],
            1: ["distance": [.init(from: "order", to: "chaos", epoch: 50, lastEpochBefore: 40), .init(from: "chaos", to: "order", epoch: 70, lastEpochBefore: 60),
                             .init(from: "order", to: "chaos", epoch: 80, lastEpochBefore: 70), .init(from: "chaos", to: "order", epoch: 90, lastEpochBefore: 80)]],
        ]
        for hysteresis in [2, 1] {
            let out = s.dir + "/h\(hysteresis).json"
            try AnalyzeRuns.analyze(["--checkpoint", dir, "--data", s.jsonl, "--backend", "cpu", "--hysteresis", "\(hysteresis)"]
                                    + AnalyzeRuns.protocolFlags, json: out)
            let j = try AnalyzeRuns.object(out)
            #expect(j["hysteresis"] as? Int == hysteresis)
            let entries = try AnalyzeRuns.checkpoints(out)
            #expect(entries.map(\.epoch) == epochs)
            for c in entries { try expectAggregatesOfPerReview(c) }
            let listed = try #require(j["transitions"] as? [String: Any])
            for (rule, key) in [("distance_rule", "distance"), ("exponent_rule", "exponent"), ("lab_rule", "lab")] {
                let labels = entries.compactMap { $0.phase(rule) }
                #expect(labels == blocks.map { expectedLabels[rule]![$0]! }, "\(rule): \(labels)")
                let got = try #require(listed[key] as? [[String: Any]]).compactMap(Transition.init)
                let recomputed = Self.transitions(epochs: epochs, labels: labels, hysteresis: hysteresis)
                #expect(got == recomputed, "\(key) rule, hysteresis \(hysteresis): listed \(got), recomputed \(recomputed)")
                if let e = expected[hysteresis]?[key] { #expect(got == e, "\(key) rule, hysteresis \(hysteresis): \(got)") }
            }
        }
    }
}
