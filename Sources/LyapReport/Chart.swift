import Foundation

/// A line through (x, y); nil y values break the line (a gap), so missing analysis epochs are not bridged.
public struct LineSeries: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double?]
    public var color: String
    public var dashed: Bool
    public var markers: Bool

    public init(name: String, x: [Double], y: [Double?], color: String, dashed: Bool = false, markers: Bool = false) {
        precondition(x.count == y.count)
        self.name = name; self.x = x; self.y = y; self.color = color; self.dashed = dashed; self.markers = markers
    }
}

/// Points drawn as tiny circles (`circles`, one element per point) or binned onto the 1-px grid of the
/// plot (`pixels`: every point that lands in the same pixel is drawn once, as one 1x1 square; runs of
/// filled pixels in a column become one rectangle). `pixels` is exact at the figure's resolution and
/// keeps dense diagrams (hundreds of thousands of points) to a few hundred KB.
public struct ScatterSeries: Sendable {
    public enum Mode: Sendable { case circles, pixels }
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var color: String
    public var mode: Mode
    public var radius: Double
    public var opacity: Double

    public init(name: String, x: [Double], y: [Double], color: String, mode: Mode = .circles, radius: Double = 1.6, opacity: Double = 0.7) {
        precondition(x.count == y.count)
        self.name = name; self.x = x; self.y = y; self.color = color; self.mode = mode; self.radius = radius; self.opacity = opacity
    }
}

/// A shaded x-interval (a phase), with the label shown once in the legend.
public struct Band: Sendable, Equatable {
    public var x0: Double, x1: Double
    public var label: String
    public var fill: String
    /// The y-interval it covers (data coordinates); nil: the plot's full height.
    public var y0: Double?, y1: Double?
    public init(x0: Double, x1: Double, label: String, fill: String, y0: Double? = nil, y1: Double? = nil) {
        self.x0 = x0; self.x1 = x1; self.label = label; self.fill = fill; self.y0 = y0; self.y1 = y1
    }
}

/// A vertical marker line (transition, best epoch) with a short label along it.
public struct VMarker: Sendable {
    public var x: Double, label: String, color: String, dashed: Bool
    public init(x: Double, label: String, color: String = "#333333", dashed: Bool = true) { self.x = x; self.label = label; self.color = color; self.dashed = dashed }
}

/// A horizontal reference line (threshold, zero) named in the legend.
public struct HLine: Sendable {
    public var y: Double, label: String, color: String
    public init(y: Double, label: String, color: String = "#555555") { self.y = y; self.label = label; self.color = color }
}

/// An x-y chart: lines, scatter, shaded bands, markers, axes with nice ticks, legend, title.
public struct Chart: Sendable {
    /// Prefix of element ids (clip paths), so several charts can be inlined in one HTML page.
    public var id: String
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var width = 720
    public var height = 400
    public var lines: [LineSeries] = []
    public var scatters: [ScatterSeries] = []
    public var bands: [Band] = []
    public var markers: [VMarker] = []
    public var hlines: [HLine] = []
    /// Integer ticks on x (epochs).
    public var integerX = false
    /// Named rows instead of numeric y ticks: row k spans y in [k, k+1) and is labelled at its middle.
    public var yCategories: [String]?
    public var xRange: (Double, Double)?
    public var yRange: (Double, Double)?
    /// Base-10 logarithmic axes (Chart+Log.swift): values <= 0 are not drawn, ticks at powers of ten.
    public var xLog = false, yLog = false
    /// Tick labels as powers of ten (set when the log axes are mapped to linear ones).
    var xDecades = false, yDecades = false

    public init(id: String, title: String, xLabel: String, yLabel: String) {
        self.id = id; self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
    }

    struct Layout {
        var left = 74.0, right = 20.0, top = 0.0, bottom = 52.0
        var width: Double, height: Double
        var plotW: Double { width - left - right }
        var plotH: Double { height - top - bottom }
    }

    /// Legend entries in drawing order: bands (unique labels), lines, scatters, reference lines.
    var legendEntries: [(kind: String, name: String, color: String, dashed: Bool)] {
        var out: [(String, String, String, Bool)] = []
        var seen = Set<String>()
        for b in bands where !seen.contains(b.label) { seen.insert(b.label); out.append(("band", b.label, b.fill, false)) }
        for l in lines { out.append(("line", l.name, l.color, l.dashed)) }
        for s in scatters { out.append(("point", s.name, s.color, false)) }
        for h in hlines { out.append(("line", h.label, h.color, true)) }
        return out
    }

    static func textWidth(_ s: String, size: Double = 12) -> Double { Double(s.count) * size * 0.6 }

    public func render(standalone: Bool = true) -> String {
        if xLog || yLog { return logMapped().render(standalone: standalone) }
        var svg = SVGWriter(width: width, height: height)
        var L = Layout(width: Double(width), height: Double(height))

        // Title and legend rows above the plot.
        svg.element("text", [("x", Markup.coord(L.left)), ("y", "22"), ("font-size", "15"), ("font-weight", "bold")], text: title)
        let entries = legendEntries
        var rows: [[(Double, (kind: String, name: String, color: String, dashed: Bool))]] = [[]]
        var cx = L.left
        for e in entries {
            let w = 26 + Self.textWidth(e.name) + 16
            if cx + w > L.width - L.right && !rows[rows.count - 1].isEmpty { rows.append([]); cx = L.left }
            rows[rows.count - 1].append((cx, e))
            cx += w
        }
        let legendTop = 32.0
        if !entries.isEmpty {
            svg.open("g", [("class", "legend")])
            for (r, row) in rows.enumerated() {
                let y = legendTop + 8 + Double(r) * 18
                for (x, e) in row {
                    switch e.kind {
                    case "band":
                        svg.element("rect", [("x", Markup.coord(x)), ("y", Markup.coord(y - 6)), ("width", "20"), ("height", "12"),
                                             ("fill", e.color), ("fill-opacity", "0.25"), ("stroke", e.color), ("stroke-opacity", "0.6")])
                    case "point":
                        svg.element("circle", [("cx", Markup.coord(x + 10)), ("cy", Markup.coord(y)), ("r", "3.5"), ("fill", e.color)])
                    default:
                        var a = [("x1", Markup.coord(x)), ("y1", Markup.coord(y)), ("x2", Markup.coord(x + 20)), ("y2", Markup.coord(y)),
                                 ("stroke", e.color), ("stroke-width", "2.5")]
                        if e.dashed { a.append(("stroke-dasharray", "5 3")) }
                        svg.element("line", a)
                    }
                    svg.element("text", [("class", "legend-label"), ("x", Markup.coord(x + 26)), ("y", Markup.coord(y + 4)), ("font-size", "12")], text: e.name)
                }
            }
            svg.close("g")
        }
        L.top = legendTop + (entries.isEmpty ? 0 : Double(rows.count) * 18) + 10

        // Domains.
        var xs: [Double] = [], ys: [Double] = []
        for l in lines { for (x, y) in zip(l.x, l.y) { if let y, y.isFinite, x.isFinite { xs.append(x); ys.append(y) } } }
        for s in scatters { for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite { xs.append(x); ys.append(y) } }
        // Bands and markers do not widen the x range (they are clipped to it): the data decide it.
        if xs.isEmpty { for b in bands { xs.append(b.x0); xs.append(b.x1) } }
        for h in hlines where h.y.isFinite { ys.append(h.y) }
        var xd = xRange ?? (xs.min() ?? 0, xs.max() ?? 1)
        if xRange == nil && (!scatters.isEmpty || lines.contains(where: \.markers)) {
            // Points drawn at the ends of the range would be cut in half: leave 2% of the span free.
            let pad = max(xd.1 - xd.0, 1) * 0.02
            xd = (xd.0 - pad, xd.1 + pad)
        }
        let yd = yCategories.map { (0.0, Double(max($0.count, 1))) } ?? yRange ?? (ys.min() ?? 0, ys.max() ?? 1)
        let xt = integerX || xDecades ? Ticks.integer(lo: xd.0, hi: xd.1, target: 8) : Ticks.nice(lo: xd.0, hi: xd.1, target: 7)
        let yt = yCategories != nil ? (lo: yd.0, hi: yd.1, step: 1.0, ticks: [Double]())
            : yDecades ? Ticks.integer(lo: yd.0, hi: yd.1, target: 6) : Ticks.nice(lo: yd.0, hi: yd.1, target: 5)
        let pw = L.plotW, ph = L.plotH, left = L.left, top = L.top
        func px(_ x: Double) -> Double { left + (x - xt.lo) / (xt.hi - xt.lo) * pw }
        func py(_ y: Double) -> Double { top + ph - (y - yt.lo) / (yt.hi - yt.lo) * ph }

        let clip = id + "-plot"
        svg.raw("<defs><clipPath id=\"\(Markup.escape(clip))\"><rect x=\"\(Markup.coord(left))\" y=\"\(Markup.coord(top))\" width=\"\(Markup.coord(pw))\" height=\"\(Markup.coord(ph))\"/></clipPath></defs>")

        // Bands behind everything.
        if !bands.isEmpty {
            svg.open("g", [("class", "bands"), ("clip-path", "url(#\(clip))")])
            for b in bands {
                let x0 = px(b.x0), x1 = px(b.x1)
                let yTop = b.y1.map(py) ?? top, yBottom = b.y0.map(py) ?? top + ph
                svg.element("rect", [("class", "band"), ("data-label", b.label), ("data-x0", Markup.csvNumber(b.x0)), ("data-x1", Markup.csvNumber(b.x1)),
                                     ("x", Markup.coord(x0)), ("y", Markup.coord(yTop)), ("width", Markup.coord(max(1, x1 - x0))),
                                     ("height", Markup.coord(yBottom - yTop)), ("fill", b.fill), ("fill-opacity", b.y0 == nil ? "0.2" : "0.55")])
            }
            svg.close("g")
        }

        // Grid, axes, ticks.
        svg.open("g", [("class", "axes"), ("font-size", "12")])
        for t in yt.ticks {
            let y = py(t)
            svg.element("line", [("x1", Markup.coord(left)), ("y1", Markup.coord(y)), ("x2", Markup.coord(left + pw)), ("y2", Markup.coord(y)),
                                 ("stroke", "#e3e3e3"), ("stroke-width", "1")])
            svg.element("text", [("class", "ytick"), ("x", Markup.coord(left - 6)), ("y", Markup.coord(y + 4)), ("text-anchor", "end")],
                        text: yDecades ? Ticks.decade(t) : Ticks.label(t, step: yt.step))
        }
        for (k, name) in (yCategories ?? []).enumerated() {
            svg.element("text", [("class", "ycategory"), ("x", Markup.coord(left - 6)), ("y", Markup.coord(py(Double(k) + 0.5) + 4)), ("text-anchor", "end")],
                        text: name)
        }
        for t in xt.ticks {
            let x = px(t)
            svg.element("line", [("x1", Markup.coord(x)), ("y1", Markup.coord(top + ph)), ("x2", Markup.coord(x)), ("y2", Markup.coord(top + ph + 5)),
                                 ("stroke", "#333333")])
            svg.element("text", [("class", "xtick"), ("x", Markup.coord(x)), ("y", Markup.coord(top + ph + 19)), ("text-anchor", "middle")],
                        text: xDecades ? Ticks.decade(t) : Ticks.label(t, step: xt.step))
        }
        svg.element("rect", [("x", Markup.coord(left)), ("y", Markup.coord(top)), ("width", Markup.coord(pw)), ("height", Markup.coord(ph)),
                             ("fill", "none"), ("stroke", "#333333")])
        svg.element("text", [("class", "xlabel"), ("x", Markup.coord(left + pw / 2)), ("y", Markup.coord(L.height - 10)), ("text-anchor", "middle"),
                             ("font-size", "13")], text: xLabel)
        let yc = top + ph / 2
        svg.element("text", [("class", "ylabel"), ("x", "16"), ("y", Markup.coord(yc)), ("text-anchor", "middle"), ("font-size", "13"),
                             ("transform", "rotate(-90 16 \(Markup.coord(yc)))")], text: yLabel)
        svg.close("g")

        svg.open("g", [("class", "data"), ("clip-path", "url(#\(clip))")])
        for h in hlines where h.y.isFinite {
            svg.element("line", [("class", "hline"), ("data-label", h.label), ("x1", Markup.coord(left)), ("y1", Markup.coord(py(h.y))),
                                 ("x2", Markup.coord(left + pw)), ("y2", Markup.coord(py(h.y))), ("stroke", h.color), ("stroke-width", "1.5"),
                                 ("stroke-dasharray", "5 3")])
        }
        for s in scatters {
            svg.open("g", [("class", "scatter"), ("data-series", s.name), ("fill", s.color), ("fill-opacity", Markup.coord(s.opacity))])
            switch s.mode {
            case .circles:
                for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite {
                    svg.element("circle", [("cx", Markup.coord(px(x))), ("cy", Markup.coord(py(y))), ("r", Markup.coord(s.radius))])
                }
            case .pixels:
                let (d, cells) = Self.pixelPath(s, px: px, py: py)
                svg.element("path", [("d", d), ("data-cells", String(cells)), ("shape-rendering", "crispEdges")])
            }
            svg.close("g")
        }
        for l in lines {
            svg.open("g", [("class", "series"), ("data-series", l.name)])
            var runs: [[(Double, Double)]] = [[]]
            for (x, y) in zip(l.x, l.y) {
                if let y, y.isFinite, x.isFinite { runs[runs.count - 1].append((x, y)) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where !run.isEmpty {
                let pts = run.map { Markup.coord(px($0.0)) + "," + Markup.coord(py($0.1)) }.joined(separator: " ")
                var a = [("points", pts), ("fill", "none"), ("stroke", l.color), ("stroke-width", "2"), ("stroke-linejoin", "round")]
                if l.dashed { a.append(("stroke-dasharray", "6 3")) }
                svg.element("polyline", a)
                if l.markers || run.count == 1 {
                    for p in run { svg.element("circle", [("cx", Markup.coord(px(p.0))), ("cy", Markup.coord(py(p.1))), ("r", "2.8"), ("fill", l.color)]) }
                }
            }
            svg.close("g")
        }
        svg.close("g")

        // Markers on top, labels written along the line (rotated), so close markers do not collide as much.
        if !markers.isEmpty {
            svg.open("g", [("class", "markers"), ("font-size", "11")])
            for m in markers {
                let x = px(m.x)
                guard x >= left - 0.5 && x <= left + pw + 0.5 else { continue }
                var a = [("class", "vmarker"), ("data-label", m.label), ("data-x", Markup.csvNumber(m.x)), ("x1", Markup.coord(x)), ("y1", Markup.coord(top)),
                         ("x2", Markup.coord(x)), ("y2", Markup.coord(top + ph)), ("stroke", m.color), ("stroke-width", "1.5")]
                if m.dashed { a.append(("stroke-dasharray", "4 3")) }
                svg.element("line", a)
                let ty = top + 4
                svg.element("text", [("x", Markup.coord(x + 3)), ("y", Markup.coord(ty)), ("fill", m.color),
                                     ("transform", "rotate(90 \(Markup.coord(x + 3)) \(Markup.coord(ty)))")], text: m.label)
            }
            svg.close("g")
        }
        return svg.document(title: title, standalone: standalone)
    }

    /// The 1-px binning of `ScatterSeries.Mode.pixels`: one subpath per vertical run of filled pixels.
    static func pixelPath(_ s: ScatterSeries, px: (Double) -> Double, py: (Double) -> Double) -> (String, Int) {
        var columns: [Int: Set<Int>] = [:]
        for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite {
            columns[Int(floor(px(x))), default: []].insert(Int(floor(py(y))))
        }
        var d = "", cells = 0
        for cx in columns.keys.sorted() {
            let ys = columns[cx]!.sorted()
            cells += ys.count
            var i = 0
            while i < ys.count {
                var j = i
                while j + 1 < ys.count && ys[j + 1] == ys[j] + 1 { j += 1 }
                d += "M\(cx) \(ys[i])h1v\(j - i + 1)h-1z"
                i = j + 1
            }
        }
        return (d, cells)
    }
}
