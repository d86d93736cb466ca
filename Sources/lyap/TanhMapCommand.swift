import ArgumentParser
import Foundation
import LyapCore
import LyapDynamics
import LyapIO

struct TanhMapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tanh-map",
        abstract: "Bifurcation data and Lyapunov exponent of the reference map k_t = r k_{t-1} (1 - tanh k_{t-1}).",
        discussion: """
            For each r on the grid: discard --transient iterates from k0, then average ln|f'(k_t)| over --iterations
            iterates (λ(r), nats per step) and keep the last --keep of them (the bifurcation diagram).
            CSV columns: r, lambda, then the kept iterates. Example:
              lyap tanh-map --r-min 0.5 --r-max 40 --r-count 7901 --csv tanh-map.csv
            """)

    @Option(help: "Smallest r (default 0.5).") var rMin: Double = 0.5
    @Option(help: "Largest r (default 40).") var rMax: Double = 40
    @Option(help: "Grid points from r-min to r-max inclusive (default 7901: step 0.005).") var rCount: Int = 7901
    @Option(help: "Iterates averaged for λ(r) (default 4000).") var iterations: Int = 4000
    @Option(help: "Iterates discarded first (default 2000).") var transient: Int = 2000
    @Option(help: "Last iterates kept per r for the bifurcation diagram (default 200).") var keep: Int = 200
    @Option(help: "Start value, > 0 (default 0.5).") var k0: Double = 0.5
    @Option(help: "Write CSV here.") var csv: String?
    @Option(help: "Write JSON here.") var json: String?
    @Option(help: "Threads over r (default: all cores).") var threads: Int?

    func run() throws {
        try reportingErrors {
            var c = TanhMapScan.Config()
            c.rMin = rMin
            c.rMax = rMax
            c.rCount = rCount
            c.iterations = iterations
            c.transient = transient
            c.keep = keep
            c.k0 = k0
            c.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
            let scan = try TanhMapScan(c)
            let pts = scan.points
            var changes: [(r: Double, to: String)] = []
            for i in 1..<max(1, pts.count) where (pts[i].lambda > 0) != (pts[i - 1].lambda > 0) {
                changes.append((pts[i].r, pts[i].lambda > 0 ? "chaos" : "order"))
            }
            let first = pts.first { $0.lambda > 0 }
            info("\(pts.count) values of r in [\(rMin), \(rMax)], \(iterations) iterates averaged after \(transient)")
            say(first.map { String(format: "first λ > 0 at r = %.4f", $0.r) } ?? "λ <= 0 on the whole grid")
            say("sign changes of λ(r): \(changes.count)" + (changes.isEmpty ? "" : " (first: " + changes.prefix(6).map {
                String(format: "%.4f→%@", $0.r, $0.to) }.joined(separator: ", ") + (changes.count > 6 ? ", ..." : "") + ")"))
            if let csv {
                let header = ["r", "lambda"] + (0..<keep).map { "k\($0 + 1)" }
                let rows = pts.map { p in [g(p.r), g(p.lambda)] + p.iterates.map(g) }
                try CSVTable(header: header, rows: rows).write(path: csv)
                info("wrote \(csv)")
            }
            if let json {
                let report = Report(
                    map: "k_t = r k_{t-1} (1 - tanh k_{t-1})", r_min: rMin, r_max: rMax, r_count: rCount, iterations: iterations,
                    transient: transient, keep: keep, k0: k0, first_chaotic_r: first?.r,
                    sign_changes: changes.map { .init(r: $0.r, to: $0.to) },
                    points: pts.map { .init(r: $0.r, lambda: $0.lambda, iterates: $0.iterates) })
                try JSONFile.write(report, to: json)
                info("wrote \(json)")
            }
        }
    }

    private func g(_ x: Double) -> String { String(format: "%.10g", x) }

    struct Report: Encodable {
        struct Change: Encodable { var r: Double; var to: String }
        struct Point: Encodable { var r: Double; var lambda: Double; var iterates: [Double] }
        var map: String
        var r_min: Double, r_max: Double, r_count: Int, iterations: Int, transient: Int, keep: Int, k0: Double
        var first_chaotic_r: Double?
        var sign_changes: [Change]
        var points: [Point]
    }
}
