import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// What a `lyap report` chart draws, read back from its SVG file: the tick labels of both axes (value and
/// pixel), the axis labels, the legend, and each line series' vertices mapped back to data coordinates through
/// the labelled ticks, so a test can compare them with the run's own CSV files.
final class SVGChartReader: NSObject, XMLParserDelegate {
    private(set) var xTicks: [(value: Double, pixel: Double)] = []
    private(set) var yTicks: [(value: Double, pixel: Double)] = []
    private(set) var xLabel = "", yLabel = ""
    private(set) var legend: [String] = []
    /// Pixel vertices of each polyline, per series name, in document order.
    private(set) var polylines: [String: [[(x: Double, y: Double)]]] = [:]
    private var groups: [String?] = []
    private var text: (cls: String, x: Double, y: Double)?
    private var characters = ""
    private var failure: Error?

    init(path: String) throws {
        super.init()
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        parser.delegate = self
        guard parser.parse(), failure == nil else { throw SVGReadError(path: path, detail: "\(String(describing: failure ?? parser.parserError))") }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes a: [String: String] = [:]) {
        switch name {
        case "g": groups.append(a["class"] == "series" ? a["data-series"] : nil)
        case "text":
            text = (a["class"] ?? "", Double(a["x"] ?? "") ?? .nan, Double(a["y"] ?? "") ?? .nan)
            characters = ""
        case "polyline":
            guard let series = groups.last ?? nil, let points = a["points"] else { return }
            let vertices = points.split(separator: " ").map { p -> (x: Double, y: Double) in
                let xy = p.split(separator: ",").map { Double($0) ?? .nan }
                return (xy[0], xy[1])
            }
            polylines[series, default: []].append(vertices)
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if text != nil { characters += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "g" { groups.removeLast() }
        guard name == "text", let t = text else { return }
        switch t.cls {
        case "xtick": xTicks.append((Double(characters) ?? .nan, t.x))
        case "ytick": yTicks.append((Double(characters) ?? .nan, t.y - 4))  // the label sits 4 px below its tick
        case "xlabel": xLabel = characters
        case "ylabel": yLabel = characters
        case "legend-label": legend.append(characters)
        default: break
        }
        text = nil
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { failure = parseError }

    /// The affine map from pixels to data values through the first and last labelled ticks.
    private static func inverse(_ ticks: [(value: Double, pixel: Double)]) -> ((Double) -> Double)? {
        guard let a = ticks.first, let b = ticks.last, a.pixel != b.pixel, a.value.isFinite, b.value.isFinite else { return nil }
        return { a.value + ($0 - a.pixel) * (b.value - a.value) / (b.pixel - a.pixel) }
    }

    /// Data units of one pixel on each axis (the SVG writes coordinates to 0.01 px).
    var resolution: (x: Double, y: Double) {
        func r(_ t: [(value: Double, pixel: Double)]) -> Double {
            guard let a = t.first, let b = t.last, a.pixel != b.pixel else { return .nan }
            return abs((b.value - a.value) / (b.pixel - a.pixel))
        }
        return (r(xTicks), r(yTicks))
    }

    /// The series' vertices in data coordinates, one array per polyline.
    func series(_ name: String) throws -> [[(x: Double, y: Double)]] {
        let fx = try #require(Self.inverse(xTicks), "no usable x ticks"), fy = try #require(Self.inverse(yTicks), "no usable y ticks")
        return (polylines[name] ?? []).map { $0.map { (fx($0.x), fy($0.y)) } }
    }

    /// Checks that `name` is drawn as one polyline through exactly `points` (data coordinates, to within a pixel's
    /// hundredth of rounding plus the tick labels' own rounding) and that the ticks are evenly spaced.
    func expectLine(_ name: String, through points: [(x: Double, y: Double)], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let drawn = try series(name)
        #expect(drawn.count == 1 && drawn.first?.count == points.count,
                "\(name): \(drawn.map(\.count)) vertices, \(points.count) data points", sourceLocation: sourceLocation)
        let (rx, ry) = resolution
        for (d, p) in zip(drawn.first ?? [], points) {
            #expect(abs(d.x - p.x) <= 0.05 * rx && abs(d.y - p.y) <= 0.05 * ry,
                    "\(name): drawn (\(d.x), \(d.y)) for data (\(p.x), \(p.y))", sourceLocation: sourceLocation)
        }
        for ticks in [xTicks, yTicks] where ticks.count >= 3 {
            let step = (ticks[1].value - ticks[0].value) / (ticks[1].pixel - ticks[0].pixel)
            for (a, b) in zip(ticks, ticks.dropFirst()) {
                #expect(abs((b.value - a.value) / (b.pixel - a.pixel) - step) <= 1e-3 * abs(step), "uneven ticks \(ticks)",
                        sourceLocation: sourceLocation)
            }
        }
    }
}

struct SVGReadError: Error, CustomStringConvertible {
    let path: String, detail: String
    var description: String { "\(path): not readable SVG (\(detail))" }
}

/// metrics.csv (or any one-header CSV without quoting) as columns by name; empty cells are nil.
func csvColumns(_ path: String) throws -> [String: [Double?]] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    var out: [String: [Double?]] = [:]
    for line in lines.dropFirst() {
        for (k, cell) in zip(header, line.split(separator: ",", omittingEmptySubsequences: false)) { out[k, default: []].append(Double(cell)) }
    }
    return out
}
