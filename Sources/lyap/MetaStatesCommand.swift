import ArgumentParser
import Foundation
import LyapCore
import LyapIO
import LyapStudy
import LyapTraining

struct MetaStatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metastates",
        abstract: "Meta-state deviations of a run (methods.md §6.3) and their lead over test-loss jumps.",
        discussion: """
            Reads RUN/metrics.csv. Each epoch's feature vector is train and test loss and accuracy, plus the
            analysis columns (max_exponent, distance_initial, distance_end_of_drive, floor_fraction) when every
            epoch was analysed. Features are standardised over the first --reference epochs and projected on
            that window's top --components principal components; an epoch deviates when its Mahalanobis
            distance from the window exceeds --threshold (default: sqrt of the 99.9 % chi-square quantile).
            Jumps are epoch-to-epoch test-loss rises above --jump-factor robust noise deviations; each gets the
            lead of the latest deviation onset before it. Writes RUN/metastates.csv (epoch, pc1.., distance,
            deviating) and RUN/metastates.json.
              lyap metastates runs/demo --reference 20
            """)

    @Argument(help: ArgumentHelp("A run directory (holding metrics.csv).", valueName: "RUN")) var directory: String
    @Option(help: "Epochs in the reference window (default 20).") var reference: Int = 20
    @Option(help: "Principal components kept, 1 to 5 (default 2).") var components: Int = 2
    @Option(help: "Mahalanobis distance above which an epoch deviates (default: sqrt of the 99.9 % chi-square quantile).")
    var threshold: Double?
    @Option(help: "A jump is a test-loss rise above this many robust noise deviations (default 4).") var jumpFactor: Double = 4

    static let base = ["train_loss", "train_acc", "test_loss", "test_acc"]
    static let analysis = ["max_exponent", "distance_initial", "distance_end_of_drive", "floor_fraction"]

    func run() throws {
        try reportingErrors {
            if let t = threshold, !(t > 0) { throw ConfigError("--threshold \(t) must be positive") }
            guard jumpFactor > 0 else { throw ConfigError("--jump-factor \(jumpFactor) must be positive") }
            let dir = RunDirectory(directory)
            guard FileManager.default.fileExists(atPath: dir.metricsPath) else {
                throw ConfigError("\(dir.metricsPath): no such file (a run directory holds the metrics.csv that lyap train writes)")
            }
            let t = try CSVTable.read(path: dir.metricsPath)
            func column(_ name: String) -> Int? { t.header.firstIndex(of: name) }
            guard let ie = column("epoch") else { throw ConfigError("\(dir.metricsPath): no 'epoch' column") }
            var names: [String] = []
            for n in Self.base {
                guard column(n) != nil else { throw ConfigError("\(dir.metricsPath): no '\(n)' column") }
                names.append(n)
            }
            let full = Self.analysis.filter { n in column(n).map { i in t.rows.allSatisfy { Double($0[i]) != nil } } ?? false }
            names += full
            var epochs: [Int] = [], rows: [[Double]] = []
            for (k, r) in t.rows.enumerated() {
                guard let e = Int(r[ie]) else { throw ConfigError("\(dir.metricsPath): row \(k + 2): epoch '\(r[ie])' is not a number") }
                let v = names.map { Double(r[column($0)!]) ?? .nan }
                guard v.allSatisfy(\.isFinite) else { throw ConfigError("\(dir.metricsPath): row \(k + 2): a feature is missing or not finite") }
                epochs.append(e)
                rows.append(v)
            }
            let testLoss = rows.map { $0[names.firstIndex(of: "test_loss")!] }
            let m = try MetaStates.compute(epochs: epochs, rows: rows, names: names, testLoss: testLoss, reference: reference,
                                           components: components, threshold: threshold, jumpFactor: jumpFactor)
            say("features: \(m.features.joined(separator: ", "))\(full.count < Self.analysis.count ? " (analysis columns used only when every epoch has them)" : "")")
            say(String(format: "reference epochs %d-%d; %d components explain ", m.referenceEpochs.first!, m.referenceEpochs.last!, m.components)
                + m.explainedVariance.map { String(format: "%.1f%%", 100 * $0) }.joined(separator: " + ")
                + String(format: " of its variance; deviation threshold %.3f", m.threshold))
            say("deviation onsets: " + (m.onsets.isEmpty ? "none" : m.onsets.map(String.init).joined(separator: ", ")))
            say("test-loss jumps: " + (m.jumps.isEmpty ? "none" : m.jumps.map(String.init).joined(separator: ", ")))
            for l in m.leads {
                say("  jump at epoch \(l.jumpEpoch): " + (l.onsetEpoch.map { "latest onset at \($0), lead \(l.lead!) epochs" } ?? "no onset before it"))
            }
            let header = ["epoch"] + (1...m.components).map { "pc\($0)" } + ["distance", "deviating"]
            let csvRows = m.epochs.indices.map { e in
                [String(m.epochs[e])] + m.projections[e].map { String(format: "%.9g", $0) }
                    + [String(format: "%.9g", m.distances[e]), m.distances[e] > m.threshold ? "1" : "0"]
            }
            try CSVTable(header: header, rows: csvRows).write(path: directory + "/metastates.csv")
            try JSONFile.write(m, to: directory + "/metastates.json")
            info("wrote \(directory)/metastates.csv and metastates.json")
        }
    }
}
