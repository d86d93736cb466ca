import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LyapIO
import Testing
@testable import LyapReport

/// Parses XML with Foundation and collects elements (name, attributes) in document order.
final class XMLCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attrs: [String: String])] = []
    var texts: [String] = []
    var error: Error?
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((name, attributes))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }

    static func parse(_ s: String) -> XMLCollector? {
        let c = XMLCollector()
        let p = XMLParser(data: Data(s.utf8))
        p.delegate = c
        return p.parse() && c.error == nil ? c : nil
    }
}

/// Polylines per series: walks the raw text (groups are `<g class="series" data-series="NAME">` ... `</g>`).
func seriesPolylines(_ svg: String, _ name: String) -> [Int] {
    guard let start = svg.range(of: "<g class=\"series\" data-series=\"\(Markup.escape(name))\">") else { return [] }
    let rest = svg[start.upperBound...]
    let group = rest[..<rest.range(of: "</g>")!.lowerBound]
    var counts: [Int] = []
    var s = group[...]
    while let r = s.range(of: "points=\"") {
        let tail = s[r.upperBound...]
        let end = tail.firstIndex(of: "\"")!
        counts.append(tail[..<end].split(separator: " ").count)
        s = tail[end...]
    }
    return counts
}

func sampleMetrics(analysis: Bool) -> RunMetrics {
    var m = RunMetrics()
    let es: [Int] = Array(1...10)
    func f(_ g: (Double) -> Double) -> [Double?] { es.map { (e: Int) -> Double? in g(Double(e)) } }
    func even(_ g: (Double) -> Double) -> [Double?] { es.map { (e: Int) -> Double? in e % 2 == 0 ? g(Double(e)) : nil } }
    m.epochs = es
    m.trainLoss = f { 0.7 - 0.05 * $0 }
    m.testLoss = [0.69, 0.68, 0.66, 0.65, 0.66, 0.7, 0.72, 0.7, 0.69, 0.75]
    m.trainAcc = f { 0.5 + 0.04 * $0 }
    m.testAcc = f { 0.5 + 0.02 * $0 }
    m.maxExponent = even { -0.1 + 0.02 * $0 }
    m.distanceInitial = even { -15 + $0 }
    m.distanceEndOfDrive = even { -14 + $0 }
    m.floorFraction = even { _ in 0.5 }
    m.phase = es.map { (e: Int) -> String? in e % 2 == 0 ? (e < 6 ? "order" : "chaos") : nil }
    m.hasAnalysis = analysis
    if !analysis {
        m.phase = es.map { _ in nil }
        m.maxExponent = es.map { _ in nil }
        m.distanceInitial = es.map { _ in nil }
        m.distanceEndOfDrive = es.map { _ in nil }
    }
    return m
}

@Suite struct TickTests {
    @Test func niceTicksOnKnownRanges() {
        let a = Ticks.nice(lo: 0, hi: 1, target: 5)
        #expect(a.step == 0.2)
        #expect(a.ticks.count == 6 && a.ticks.first == 0 && abs(a.ticks.last! - 1) < 1e-12)
        let b = Ticks.nice(lo: 0.23, hi: 0.79, target: 5)
        #expect(b.step == 0.2 && abs(b.lo - 0.2) < 1e-12 && abs(b.hi - 0.8) < 1e-12 && b.ticks.count == 4)
        let c = Ticks.nice(lo: -16, hi: -4.2, target: 5)
        #expect(c.step == 2.5 && c.lo == -17.5 && c.hi == -2.5)
        let d = Ticks.nice(lo: 3, hi: 3)  // degenerate range widened
        #expect(d.lo < 3 && d.hi > 3)
        let e = Ticks.integer(lo: 1, hi: 12, target: 8)
        #expect(e.step == 2 && e.ticks == [0, 2, 4, 6, 8, 10, 12])
        let f = Ticks.integer(lo: 0, hi: 3, target: 8)  // never a fractional epoch step
        #expect(f.step == 1)
        let g = Ticks.integer(lo: 0, hi: 100, target: 8)  // 2.5 x 10^k skipped for epochs
        #expect(g.step == 20)
    }

    @Test func tickLabels() {
        #expect(Ticks.label(0.2, step: 0.2) == "0.2")
        #expect(Ticks.label(-17.5, step: 2.5) == "-17.5")
        #expect(Ticks.label(10, step: 2) == "10")
        #expect(Ticks.label(0.25, step: 0.25) == "0.25")
        #expect(Ticks.label(-0.0, step: 0.5) == "0.0")
        #expect(Ticks.label(2e-6, step: 1e-6) == "2e-06")
    }
}

@Suite struct SVGTests {
    @Test func escaping() {
        #expect(Markup.escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        var c = Chart(id: "x", title: "A <b> & \"q\"", xLabel: "x & y", yLabel: "<y>")
        c.lines = [LineSeries(name: "s<1>&", x: [0, 1], y: [0, 1], color: "#000")]
        let svg = c.render()
        let p = XMLCollector.parse(svg)
        #expect(p != nil)
        #expect(p!.texts.joined().contains("s<1>&"))
        #expect(p!.texts.joined().contains("A <b> & \"q\""))
    }

    @Test func lineChartHasEverySeriesWithItsPoints() throws {
        var c = Chart(id: "t", title: "T", xLabel: "epoch", yLabel: "loss")
        c.lines = [LineSeries(name: "train loss", x: [1, 2, 3, 4, 5], y: [5, 4, 3, 2, 1], color: "#0072B2"),
                   LineSeries(name: "gappy", x: [1, 2, 3, 4, 5], y: [1, 2, nil, 4, 5], color: "#D55E00")]
        c.bands = [Band(x0: 1, x1: 3, label: "order", fill: "#56B4E9"), Band(x0: 3, x1: 5, label: "chaos", fill: "#D55E00")]
        c.markers = [VMarker(x: 3, label: "→ chaos")]
        c.hlines = [HLine(y: 2.5, label: "threshold")]
        let svg = c.render()
        let p = try #require(XMLCollector.parse(svg))
        #expect(seriesPolylines(svg, "train loss") == [5])
        #expect(seriesPolylines(svg, "gappy") == [2, 2])  // the gap breaks the line
        let legend = p.elements.filter { $0.attrs["class"] == "legend-label" }.count
        #expect(legend == 5)  // order, chaos, 2 series, threshold
        for name in ["train loss", "gappy", "order", "chaos", "threshold"] { #expect(p.texts.contains(name)) }
        #expect(p.elements.filter { $0.attrs["class"] == "band" }.count == 2)
        #expect(p.elements.filter { $0.attrs["class"] == "vmarker" }.map { $0.attrs["data-x"] } == ["3"])
        #expect(p.elements.filter { $0.attrs["class"] == "xtick" }.count >= 3)
        #expect(p.texts.contains("epoch") && p.texts.contains("loss"))
    }

    @Test func scatterCirclesAndPixelBinning() throws {
        var c = Chart(id: "s", title: "S", xLabel: "x", yLabel: "y")
        c.scatters = [ScatterSeries(name: "pts", x: [0, 1, 2, 3], y: [0, 1, 0, 1], color: "#000")]
        let p = try #require(XMLCollector.parse(c.render()))
        #expect(p.elements.filter { $0.name == "circle" }.count == 4 + 1)  // + legend swatch
        // 10,000 copies of 3 distinct points: binned to 3 cells.
        var d = Chart(id: "p", title: "P", xLabel: "x", yLabel: "y")
        let xs = (0..<10_000).map { Double($0 % 3) }, ys = (0..<10_000).map { Double($0 % 3) * 2 }
        d.scatters = [ScatterSeries(name: "dense", x: xs, y: ys, color: "#000", mode: .pixels)]
        let svg = d.render()
        let q = try #require(XMLCollector.parse(svg))
        let path = try #require(q.elements.first { $0.name == "path" && $0.attrs["data-cells"] != nil })
        #expect(path.attrs["data-cells"] == "3")
        #expect(path.attrs["d"]!.filter { $0 == "M" }.count == 3)
        #expect(svg.utf8.count < 10_000)
    }

    @Test func heatmapWithColourBar() throws {
        var h = Heatmap(id: "h", title: "Test error", xLabel: "epoch", yLabel: "width", colorLabel: "test error",
                        xs: [1, 2, 3, 4], rows: ["1", "2", "4"], values: [[0.5, 0.4, nil, 0.3], [0.4, 0.3, 0.2, 0.2], [0.3, 0.2, 0.1, 0.1]])
        let p = try #require(XMLCollector.parse(h.render()))
        #expect(p.elements.filter { $0.attrs["class"] == "cell" }.count == 11)
        #expect(p.elements.filter { $0.attrs["class"] == "ctick" }.count >= 3)
        #expect(["1", "2", "4"].allSatisfy { p.texts.contains($0) })
        h.categories = [("order", "#56B4E9"), ("chaos", "#D55E00")]
        h.values = [[0, 1, 1, nil], [0, 0, 1, 1], [1, 1, 1, 1]]
        let q = try #require(XMLCollector.parse(h.render()))
        #expect(q.elements.filter { $0.attrs["class"] == "legend-label" }.count == 2)
        #expect(q.elements.filter { $0.attrs["class"] == "cell" && $0.attrs["fill"] == "#D55E00" }.count == 8)
    }

    @Test func viridisEnds() {
        #expect(Palette.viridis(0) == "#440154")
        #expect(Palette.viridis(1) == "#fde725")
        #expect(Palette.viridis(-3) == Palette.viridis(0))
    }
}

@Suite struct PhaseTests {
    @Test func intervalsFromPhaseColumn() {
        let epochs = Array(1...10)
        let labels: [String?] = [nil, "order", nil, "order", nil, "chaos", nil, "chaos", nil, "order"]
        let b = PhaseIntervals.compute(epochs: epochs, labels: labels, end: 12)
        #expect(b.map(\.label) == ["order", "chaos", "order"])
        #expect(b.map(\.x0) == [2, 6, 10])
        #expect(b.map(\.x1) == [6, 10, 12])
        // Without a later end, the last label extends half the spacing (2 epochs) past its epoch.
        let c = PhaseIntervals.compute(epochs: epochs, labels: labels)
        #expect(c.last!.x1 == 11)
        let t = PhaseIntervals.changes(epochs: epochs, labels: labels)
        #expect(t.map(\.epoch) == [6, 10] && t.map(\.to) == ["chaos", "order"])
        #expect(PhaseIntervals.compute(epochs: [1, 2], labels: [nil, nil]).isEmpty)
    }

    @Test func unsortedEpochsAndSingleLabel() {
        let b = PhaseIntervals.compute(epochs: [8, 2, 4], labels: ["chaos", "order", "order"], end: 8)
        #expect(b == [Band(x0: 2, x1: 8, label: "order", fill: Palette.phaseFill("order")),
                      Band(x0: 8, x1: 10, label: "chaos", fill: Palette.phaseFill("chaos"))])
    }
}

@Suite struct ReportTests {
    @Test func reportFromMetricsOnly() throws {
        let r = Report(ReportInputs(runDir: "run", metrics: sampleMetrics(analysis: true), configThreshold: -5.5))
        #expect(r.figures.map(\.id) == ["loss", "accuracy", "distance", "exponent"])
        #expect(r.notes.count == 2)  // LSTM bifurcation, tanh map
        let loss = try #require(r.figures.first { $0.id == "loss" })
        let p = try #require(XMLCollector.parse(loss.svg))
        #expect(seriesPolylines(loss.svg, "train loss") == [10] && seriesPolylines(loss.svg, "test loss") == [10])
        let bands = p.elements.filter { $0.attrs["class"] == "band" }
        #expect(bands.map { $0.attrs["data-label"]! } == ["order", "chaos"])
        #expect(bands.map { $0.attrs["data-x0"]! } == ["2", "6"])
        #expect(p.elements.contains { $0.attrs["class"] == "vmarker" && $0.attrs["data-x"] == "6" })   // transition
        #expect(p.elements.contains { $0.attrs["class"] == "vmarker" && $0.attrs["data-x"] == "4" })   // best epoch
        let dist = try #require(r.figures.first { $0.id == "distance" })
        #expect(seriesPolylines(dist.svg, "perturbed at h₋₁ (initial)") == [5])
        #expect(dist.svg.contains("data-label=\"ln(ε√H) = -5.50\""))
        // The tables hold the numbers drawn.
        let t = try #require(loss.tables.first { $0.name == "loss" }).table
        #expect(t.header == ["epoch", "train_loss", "test_loss"] && t.rows.count == 10 && t.rows[3] == ["4", "0.5", "0.65"])
    }

    @Test func missingInputsBecomeNotes() {
        let r = Report(ReportInputs(runDir: "run", metrics: sampleMetrics(analysis: false)))
        #expect(r.figures.map(\.id) == ["loss", "accuracy"])
        #expect(r.notes.count == 4)
        #expect(r.html().contains("Not shown"))
    }

    func dynamicsJSON() -> String {
        """
        {"run": "r", "hysteresis": 2, "transitions": {"lab": [{"epoch": 6, "from": "order", "to": "chaos"}]},
         "checkpoints": [
          {"epoch": 4, "max_exponent": -0.1, "asymptotic_distance": {"initial": -15, "end_of_drive": -14}, "chaos_threshold": -5.52,
           "phase": "order", "phases": {"lab_rule": "order", "distance_rule": "order"}, "reduced_sums": [0.1, 0.2, null]},
          {"epoch": 2, "max_exponent": -0.2, "asymptotic_distance": {"initial": -15, "end_of_drive": null}, "chaos_threshold": -5.52,
           "phase": "order", "phases": {"lab_rule": "order"}, "reduced_sums": [0.0, 0.0, 0.0]},
          {"epoch": 6, "max_exponent": 0.05, "asymptotic_distance": {"initial": -2, "end_of_drive": -1}, "chaos_threshold": -5.52,
           "phase": "chaos", "phases": {"lab_rule": "chaos"}, "reduced_sums": [1.0, -1.0, 2.0]}]}
        """
    }

    @Test func reportWithDynamicsAndTanhMap() throws {
        let dir = NSTemporaryDirectory() + "lyap-report-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try dynamicsJSON().write(toFile: dir + "/d.json", atomically: true, encoding: .utf8)
        try "r,lambda,k1,k2\n1,-0.5,0.1,0.1\n2,0.3,0.5,1.5\n3,0.4,2,2.5\n".write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
        let d = try DynamicsFile.read(path: dir + "/d.json")
        #expect(d.epochs == [2, 4, 6])  // sorted by epoch
        let r = Report(ReportInputs(runDir: dir, metrics: sampleMetrics(analysis: false), dynamics: d, dynamicsPath: "d.json",
                                    tanhMap: try TanhMapData.read(path: dir + "/t.csv"), tanhMapPath: "t.csv"))
        #expect(r.figures.map(\.id) == ["loss", "accuracy", "distance", "exponent", "bifurcation", "tanh-map", "tanh-lambda"])
        #expect(r.notes.isEmpty)
        let bif = try #require(r.figures.first { $0.id == "bifurcation" })
        let p = try #require(XMLCollector.parse(bif.svg))
        #expect(p.elements.filter { $0.name == "circle" && $0.attrs["cx"] != nil }.count == 8 + 1)  // 8 finite sums + legend
        #expect(bif.tables[0].table.rows.count == 9)
        // Phases from the JSON: order from 2, chaos from 6 to the run's last epoch; the JSON's transition.
        let loss = try #require(r.figures.first { $0.id == "loss" })
        let q = try #require(XMLCollector.parse(loss.svg))
        #expect(q.elements.filter { $0.attrs["class"] == "band" }.map { [$0.attrs["data-x0"]!, $0.attrs["data-x1"]!] } == [["2", "6"], ["6", "10"]])
        #expect(q.elements.contains { $0.attrs["class"] == "vmarker" && $0.attrs["data-label"] == "→ chaos" && $0.attrs["data-x"] == "6" })
        let lam = try #require(r.figures.first { $0.id == "tanh-lambda" })
        #expect(seriesPolylines(lam.svg, "λ(r)") == [3])
        let map = try #require(r.figures.first { $0.id == "tanh-map" })
        #expect(map.tables[0].table.rows.count == 6)
        #expect(map.svg.contains("data-cells=\"5\""))  // (1, 0.1) twice: one pixel

        let files = try r.write(to: dir + "/out")
        for f in files { #expect(FileManager.default.fileExists(atPath: dir + "/out/" + f)) }
        for f in files where f.hasSuffix(".svg") {
            let s = try String(contentsOfFile: dir + "/out/" + f, encoding: .utf8)
            #expect(XMLCollector.parse(s) != nil, "\(f) is not well-formed XML")
        }
        for f in files where f.hasSuffix(".csv") {
            let t = try CSVTable.read(path: dir + "/out/" + f)
            #expect(!t.header.isEmpty)
        }
        let html = try String(contentsOfFile: dir + "/out/report.html", encoding: .utf8)
        try expectNoNetwork(html)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 7)
    }

    @Test func deterministicOutput() {
        let i = ReportInputs(runDir: "run", metrics: sampleMetrics(analysis: true), configThreshold: -5.5)
        let a = Report(i), b = Report(i)
        #expect(a.html() == b.html())
        #expect(a.figures.map(\.svg) == b.figures.map(\.svg))
        // And a change in the data changes the output (the comparison above is not vacuous).
        var m = sampleMetrics(analysis: true)
        m.testLoss[0] = 0.5
        #expect(Report(ReportInputs(runDir: "run", metrics: m, configThreshold: -5.5)).figures[0].svg != a.figures[0].svg)
    }
}

/// Network references in an HTML page: http(s)/ftp or protocol-relative URLs in src/href/url(), any <script>,
/// any @import. The SVG namespace name (an identifier, never fetched) is the only http text allowed.
func networkReferences(_ html: String) -> [String] {
    let lower = html.lowercased()
    var found: [String] = []
    if lower.contains("<script") { found.append("<script") }
    if lower.contains("@import") { found.append("@import") }
    for attr in ["src=", "href=", "url("] {
        var s = lower[...]
        while let r = s.range(of: attr) {
            let v = s[r.upperBound...].drop { $0 == "\"" || $0 == "'" || $0 == " " }.prefix(8)
            if v.hasPrefix("http:") || v.hasPrefix("https:") || v.hasPrefix("//") || v.hasPrefix("ftp:") { found.append(attr + v) }
            s = s[r.upperBound...]
        }
    }
    let urls = lower.components(separatedBy: "http").count - 1
    let ns = lower.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1
    if urls != ns { found.append("\(urls - ns) http text(s) besides the SVG namespace") }
    return found
}

func expectNoNetwork(_ html: String) throws {
    #expect(networkReferences(html) == [])
}

@Suite struct NoNetworkCheckTests {
    /// The checker must catch each kind of network reference, and pass a page with only local links.
    @Test func checkerCatchesNetwork() {
        for bad in ["<img src=\"https://x/y.png\">", "<link href='//cdn/x.css'>", "<script src=\"a.js\"></script>",
                    "<div style=\"background: url(http://x)\">", "<style>@import 'x.css';</style>", "<p>see http://x</p>"] {
            #expect(!networkReferences(bad).isEmpty, "\(bad)")
        }
        #expect(networkReferences("<a href=\"loss.svg\">x</a><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>") == [])
    }
}
