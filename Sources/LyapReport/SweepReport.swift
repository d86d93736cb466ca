import Foundation
import LyapCore
import LyapIO

/// The report of a `lyap sweep` directory (methods.md §6.2): per (variant, label noise) width × epoch
/// heatmaps of test error, train error (noisy labels) and, when analysed, the phase; per variant the
/// final-epoch test and train error against width, one line per noise level, with H*(p) marked.
/// Cells and points are means over seeds (the phase: the most common label).
public struct SweepReport: Sendable {
    public var figures: [Figure] = []
    public var notes: [String] = []
    public var summary: [(String, String)] = []
    public let dir: String

    public static func isSweep(_ dir: String) -> Bool { FileManager.default.fileExists(atPath: dir + "/sweep.json") }

    /// One (variant, noise) cell of the grid: values[width][epoch] over seeds.
    struct Panel {
        var variant: String, noise: String
        var test: [Int: [Int: [Double]]] = [:], train: [Int: [Int: [Double]]] = [:], phase: [Int: [Int: [String]]] = [:]
    }

    public init(dir: String) throws {
        self.dir = dir
        let table = try CSVTable.read(path: dir + "/sweep.csv")
        func col(_ name: String) throws -> Int {
            guard let i = table.header.firstIndex(of: name) else { throw ConfigError("\(dir)/sweep.csv: no column \(name)") }
            return i
        }
        let (v, p, w, e) = (try col("variant"), try col("label_noise"), try col("width"), try col("epoch"))
        let (te, tr) = (try col("test_error"), try col("train_error"))
        let ph = table.header.firstIndex(of: "phase")
        var panels: [Panel] = []
        for r in table.rows where r.count == table.header.count {
            guard let width = Int(r[w]), let epoch = Int(r[e]) else { continue }
            let k = panels.firstIndex { $0.variant == r[v] && $0.noise == r[p] } ?? {
                panels.append(Panel(variant: r[v], noise: r[p]))
                return panels.count - 1
            }()
            if let x = Double(r[te]) { panels[k].test[width, default: [:]][epoch, default: []].append(x) }
            if let x = Double(r[tr]) { panels[k].train[width, default: [:]][epoch, default: []].append(x) }
            if let ph, !r[ph].isEmpty { panels[k].phase[width, default: [:]][epoch, default: []].append(r[ph]) }
        }
        let thresholds = Self.thresholds(dir + "/sweep.json")
        let sc = try col("seed")
        let seeds = Set(table.rows.compactMap { $0.count == table.header.count ? $0[sc] : nil }).count
        summary = [("sweep", dir), ("configurations", "\(Set(table.rows.map { $0.prefix(4).joined(separator: ",") }).count) (\(seeds) seeds; cells are means over seeds)"),
                   ("rows", "\(table.rows.count)")]
        for t in thresholds { summary.append(("H*(p=\(t.noise)), \(t.variant)", t.width.map(String.init) ?? "none (no width reaches train error 0)")) }
        if table.rows.isEmpty { notes.append("sweep.csv has no rows yet (no configuration finished)") }
        for variant in panels.map(\.variant).uniqued() {
            figures.append(Self.finalCurves(variant, panels.filter { $0.variant == variant }, thresholds.filter { $0.variant == variant }))
        }
        for panel in panels { figures += Self.heatmaps(panel) }
        if ph == nil { notes.append("phase heatmaps: the sweep ran without --analyze-every") }
    }

    static func mean(_ xs: [Double]?) -> Double? { xs.flatMap { $0.isEmpty ? nil : $0.reduce(0, +) / Double($0.count) } }

    static func tag(_ variant: String, _ noise: String) -> String { variant.replacingOccurrences(of: ":", with: "-") + "-p" + noise }

    static func heatmaps(_ p: Panel) -> [Figure] {
        let widths = p.test.keys.sorted(), epochs = Array(Set(p.test.values.flatMap(\.keys))).sorted()
        let where_ = "\(p.variant), label noise p = \(p.noise)"
        var out: [Figure] = []
        for (name, label, data) in [("test-error", "test error (clean test set)", p.test), ("train-error", "train error (noisy labels)", p.train)] {
            let values = widths.map { w in epochs.map { mean(data[w]?[$0]) } }
            let h = Heatmap(id: "\(name)-\(tag(p.variant, p.noise))", title: "\(label.prefix(1).uppercased() + label.dropFirst()): \(where_)",
                            xLabel: "epoch", yLabel: "LSTM width H", colorLabel: String(label.prefix { $0 != " " }) + " error",
                            xs: epochs.map(Double.init), rows: widths.map(String.init), values: values)
            out.append(Figure(id: h.id, heading: "\(label.prefix { $0 != " " }.capitalized) error, \(p.variant), p = \(p.noise)", caption: "Mean over seeds of the per-epoch \(label) for every width (rows, not to scale) and epoch.",
                              svg: h.render(), tables: [(h.id, cellTable(widths, epochs, values, name.replacingOccurrences(of: "-", with: "_")))]))
        }
        if !p.phase.isEmpty {
            let names = ["order", "edge", "chaos"]
            let pe = Array(Set(p.phase.values.flatMap(\.keys))).sorted()
            let values: [[Double?]] = widths.map { w in pe.map { e in majority(p.phase[w]?[e]).flatMap { names.firstIndex(of: $0) }.map(Double.init) } }
            var h = Heatmap(id: "phase-\(tag(p.variant, p.noise))", title: "Phase: \(where_)", xLabel: "epoch (analysed)", yLabel: "LSTM width H",
                            colorLabel: "phase", xs: pe.map(Double.init), rows: widths.map(String.init), values: values)
            h.categories = names.map { ($0, Palette.phaseFill($0)) }
            let t = CSVTable(header: ["width", "epoch", "phase"], rows: widths.flatMap { w in pe.compactMap { e in majority(p.phase[w]?[e]).map { [String(w), String(e), $0] } } })
            out.append(Figure(id: h.id, heading: "Phase, \(p.variant), p = \(p.noise)", caption: "Order/chaos phase of the stability analysis at analysed epochs (most common label over seeds).",
                              svg: h.render(), tables: [(h.id, t)]))
        }
        return out
    }

    static func majority(_ xs: [String]?) -> String? {
        guard let xs, !xs.isEmpty else { return nil }
        let counts = Dictionary(xs.map { ($0, 1) }, uniquingKeysWith: +)
        return xs.first { counts[$0] == counts.values.max() }
    }

    static func cellTable(_ widths: [Int], _ epochs: [Int], _ values: [[Double?]], _ name: String) -> CSVTable {
        CSVTable(header: ["width", "epoch", name + "_mean"], rows: widths.indices.flatMap { i in
            epochs.indices.compactMap { j in values[i][j].map { [String(widths[i]), String(epochs[j]), Markup.csvNumber($0)] } }
        })
    }

    static func finalCurves(_ variant: String, _ panels: [Panel], _ thresholds: [(variant: String, noise: String, width: Int?)]) -> Figure {
        var c = Chart(id: "final-error-vs-width-\(variant.replacingOccurrences(of: ":", with: "-"))",
                      title: "Final-epoch error vs width: \(variant)", xLabel: "LSTM width H", yLabel: "error (fraction misclassified)")
        c.integerX = true
        var rows: [[String]] = []
        for (i, p) in panels.enumerated() {
            let widths = p.test.keys.sorted()
            func last(_ d: [Int: [Int: [Double]]], _ w: Int) -> Double? { d[w].flatMap { $0.keys.max().flatMap { e in mean(d[w]?[e]) } } }
            let test = widths.map { last(p.test, $0) }, train = widths.map { last(p.train, $0) }
            c.lines.append(LineSeries(name: "test, p=\(p.noise)", x: widths.map(Double.init), y: test, color: Palette.color(i), markers: true))
            c.lines.append(LineSeries(name: "train, p=\(p.noise)", x: widths.map(Double.init), y: train, color: Palette.color(i), dashed: true))
            if let h = thresholds.first(where: { $0.noise == p.noise })?.width {
                c.markers.append(VMarker(x: Double(h), label: "H*(\(p.noise))", color: Palette.color(i)))
            }
            for (k, w) in widths.enumerated() { rows.append([p.noise, String(w), Markup.csvNumber(test[k]), Markup.csvNumber(train[k])]) }
        }
        return Figure(id: c.id, heading: "Error vs width, \(variant)",
                      caption: "Mean over seeds at each configuration's last epoch: test error on the clean test set (solid), train error on the noisy labels (dashed); dashed verticals: H*(p), the smallest width whose train error reaches 0.",
                      svg: c.render(), tables: [(c.id, CSVTable(header: ["label_noise", "width", "test_error_mean", "train_error_mean"], rows: rows))])
    }

    /// H*(p) from sweep.json (variant, label noise, width or nil).
    static func thresholds(_ path: String) -> [(variant: String, noise: String, width: Int?)] {
        guard let d = FileManager.default.contents(atPath: path),
              let top = try? JSONSerialization.jsonObject(with: d) as? [String: Any],
              let list = top["interpolation_thresholds"] as? [[String: Any]] else { return [] }
        return list.compactMap { t in
            guard let v = t["variant"] as? String, let p = t["label_noise"] as? String else { return nil }
            return (v, p, (t["width"] as? NSNumber)?.intValue)
        }
    }

    public func html() -> String { Report.page(title: dir, summary: summary, notes: notes, figures: figures) }

    @discardableResult
    public func write(to dir: String) throws -> [String] { try Report.write(figures, html: html(), to: dir) }
}

extension Sequence where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
