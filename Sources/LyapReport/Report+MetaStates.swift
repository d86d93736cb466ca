import Foundation
import LyapCore
import LyapIO

/// `lyap metastates` output in a run directory (metastates.json): the Mahalanobis distance per epoch, the
/// threshold, the deviation onsets and the test-loss jumps.
public struct MetaStateCurve: Sendable, Decodable {
    public var epochs: [Int]
    public var distances: [Double]
    public var threshold: Double
    public var onsets: [Int]
    public var jumps: [Int]
    public var components: Int

    /// nil when the run has no metastates.json.
    public static func read(runDir: String) throws -> MetaStateCurve? {
        let path = runDir + "/metastates.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(MetaStateCurve.self, from: data)
        } catch {
            throw ConfigError("\(path): not lyap metastates output (\(error.localizedDescription)); rerun lyap metastates or delete it")
        }
    }
}

extension Report {
    /// The meta-state's distance from its reference window over epochs, the threshold, onsets and jumps.
    static func metaStateFigure(_ m: MetaStateCurve) -> Figure {
        var c = Chart(id: "metastates", title: "Meta-state deviation", xLabel: "epoch",
                      yLabel: "Mahalanobis distance from the reference window")
        c.integerX = true
        c.lines = [LineSeries(name: "distance (\(m.components) components)", x: m.epochs.map(Double.init), y: m.distances,
                              color: Palette.color(0), markers: true)]
        c.hlines = [HLine(y: m.threshold, label: String(format: "threshold %.2f", m.threshold), color: "#777777")]
        c.markers = m.onsets.map { VMarker(x: Double($0), label: "onset", color: "#D55E00", dashed: true) }
            + m.jumps.map { VMarker(x: Double($0), label: "loss jump", color: "#0072B2", dashed: false) }
        return Figure(id: "metastates", heading: "Meta-state deviation",
                      caption: "Mahalanobis distance of each epoch's standardised features (losses and accuracies, and the analysis columns when every epoch has them) from the reference window, on its top principal components (metastates.json, from lyap metastates). Dashed: onsets of deviation episodes; solid: test-loss jumps. A deviation that precedes a jump is the early warning of methods.md §6.3.",
                      svg: c.render(), tables: [("metastates", table(["epoch", "distance"], m.epochs, [m.distances.map { Optional($0) }]))])
    }
}
