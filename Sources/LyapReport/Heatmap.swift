import Foundation

/// A grid of coloured cells: columns along x (e.g. epochs), rows are categories (e.g. widths), with a
/// colour bar (continuous values, viridis) or, for labelled values, a legend of swatches.
public struct Heatmap: Sendable {
    public var id: String
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var colorLabel: String
    public var width = 720
    public var height = 400
    /// Column positions (ascending); each cell spans halfway to its neighbours.
    public var xs: [Double]
    /// Row names, drawn bottom to top.
    public var rows: [String]
    /// values[row][column]; nil cells are left blank.
    public var values: [[Double?]]
    /// When set, values are category indices and each gets a fixed colour and a legend entry.
    public var categories: [(name: String, color: String)]?

    public init(id: String, title: String, xLabel: String, yLabel: String, colorLabel: String,
                xs: [Double], rows: [String], values: [[Double?]]) {
        precondition(values.count == rows.count && values.allSatisfy { $0.count == xs.count })
        self.id = id; self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.colorLabel = colorLabel
        self.xs = xs; self.rows = rows; self.values = values
    }

    public func render(standalone: Bool = true) -> String {
        var svg = SVGWriter(width: width, height: height)
        let left = 74.0, right = categories == nil ? 110.0 : 130.0, top = 46.0, bottom = 52.0
        let pw = Double(width) - left - right, ph = Double(height) - top - bottom
        svg.element("text", [("x", Markup.coord(left)), ("y", "22"), ("font-size", "15"), ("font-weight", "bold")], text: title)

        // Cell edges along x: halfway between columns, the outer ones mirrored.
        var edges: [Double] = []
        if xs.count == 1 { edges = [xs[0] - 0.5, xs[0] + 0.5] } else if !xs.isEmpty {
            edges.append(xs[0] - (xs[1] - xs[0]) / 2)
            for i in 1..<xs.count { edges.append((xs[i - 1] + xs[i]) / 2) }
            edges.append(xs[xs.count - 1] + (xs[xs.count - 1] - xs[xs.count - 2]) / 2)
        }
        let x0 = edges.first ?? 0, x1 = edges.last ?? 1
        let xt = Ticks.integer(lo: x0, hi: x1, target: 8)
        func px(_ x: Double) -> Double { left + (x - x0) / max(1e-300, x1 - x0) * pw }
        let rowH = ph / Double(max(1, rows.count))

        let finite = values.flatMap { $0 }.compactMap { $0 }.filter(\.isFinite)
        let vt = Ticks.nice(lo: finite.min() ?? 0, hi: finite.max() ?? 1, target: 5)
        func color(_ v: Double) -> String {
            if let categories {
                let i = Int(v.rounded())
                return categories.indices.contains(i) ? categories[i].color : "#ffffff"
            }
            return Palette.viridis((v - vt.lo) / (vt.hi - vt.lo))
        }

        svg.open("g", [("class", "cells"), ("shape-rendering", "crispEdges")])
        for (r, row) in values.enumerated() {
            let y = top + ph - Double(r + 1) * rowH
            for (c, v) in row.enumerated() {
                guard let v, v.isFinite else { continue }
                let a = px(edges[c]), b = px(edges[c + 1])
                svg.element("rect", [("class", "cell"), ("x", Markup.coord(a)), ("y", Markup.coord(y)), ("width", Markup.coord(b - a + 0.3)),
                                     ("height", Markup.coord(rowH + 0.3)), ("fill", color(v))])
            }
        }
        svg.close("g")

        svg.open("g", [("class", "axes"), ("font-size", "12")])
        svg.element("rect", [("x", Markup.coord(left)), ("y", Markup.coord(top)), ("width", Markup.coord(pw)), ("height", Markup.coord(ph)),
                             ("fill", "none"), ("stroke", "#333333")])
        // Row labels: all of them when they fit, else every k-th.
        let every = max(1, Int(ceil(16 / rowH)))
        for (r, name) in rows.enumerated() where r % every == 0 {
            let y = top + ph - (Double(r) + 0.5) * rowH
            svg.element("text", [("class", "ytick"), ("x", Markup.coord(left - 6)), ("y", Markup.coord(y + 4)), ("text-anchor", "end")], text: name)
        }
        for t in xt.ticks where t >= x0 - 1e-9 && t <= x1 + 1e-9 {
            let x = px(t)
            svg.element("line", [("x1", Markup.coord(x)), ("y1", Markup.coord(top + ph)), ("x2", Markup.coord(x)), ("y2", Markup.coord(top + ph + 5)), ("stroke", "#333333")])
            svg.element("text", [("class", "xtick"), ("x", Markup.coord(x)), ("y", Markup.coord(top + ph + 19)), ("text-anchor", "middle")],
                        text: Ticks.label(t, step: xt.step))
        }
        svg.element("text", [("class", "xlabel"), ("x", Markup.coord(left + pw / 2)), ("y", Markup.coord(Double(height) - 10)), ("text-anchor", "middle"),
                             ("font-size", "13")], text: xLabel)
        let yc = top + ph / 2
        svg.element("text", [("class", "ylabel"), ("x", "16"), ("y", Markup.coord(yc)), ("text-anchor", "middle"), ("font-size", "13"),
                             ("transform", "rotate(-90 16 \(Markup.coord(yc)))")], text: yLabel)
        svg.close("g")

        // Colour bar or category legend at the right.
        let bx = left + pw + 18
        svg.open("g", [("class", "colorbar"), ("font-size", "12")])
        if let categories {
            svg.element("text", [("x", Markup.coord(bx)), ("y", Markup.coord(top + 4)), ("font-size", "13")], text: colorLabel)
            for (i, c) in categories.enumerated() {
                let y = top + 16 + Double(i) * 20
                svg.element("rect", [("x", Markup.coord(bx)), ("y", Markup.coord(y)), ("width", "14"), ("height", "14"), ("fill", c.color), ("stroke", "#333333")])
                svg.element("text", [("class", "legend-label"), ("x", Markup.coord(bx + 20)), ("y", Markup.coord(y + 11))], text: c.name)
            }
        } else {
            let steps = 64, bw = 16.0
            for i in 0..<steps {
                let t0 = Double(i) / Double(steps)
                let y = top + ph - (t0 + 1 / Double(steps)) * ph
                svg.element("rect", [("x", Markup.coord(bx)), ("y", Markup.coord(y)), ("width", Markup.coord(bw)),
                                     ("height", Markup.coord(ph / Double(steps) + 0.4)), ("fill", Palette.viridis(t0 + 0.5 / Double(steps)))])
            }
            svg.element("rect", [("x", Markup.coord(bx)), ("y", Markup.coord(top)), ("width", Markup.coord(bw)), ("height", Markup.coord(ph)), ("fill", "none"), ("stroke", "#333333")])
            for t in vt.ticks {
                let y = top + ph - (t - vt.lo) / (vt.hi - vt.lo) * ph
                svg.element("line", [("x1", Markup.coord(bx + bw)), ("y1", Markup.coord(y)), ("x2", Markup.coord(bx + bw + 4)), ("y2", Markup.coord(y)), ("stroke", "#333333")])
                svg.element("text", [("class", "ctick"), ("x", Markup.coord(bx + bw + 7)), ("y", Markup.coord(y + 4))], text: Ticks.label(t, step: vt.step))
            }
            let cy = top + ph / 2, lx = Double(width) - 12
            svg.element("text", [("x", Markup.coord(lx)), ("y", Markup.coord(cy)), ("text-anchor", "middle"), ("font-size", "13"),
                                 ("transform", "rotate(-90 \(Markup.coord(lx)) \(Markup.coord(cy)))")], text: colorLabel)
        }
        svg.close("g")
        return svg.document(title: title, standalone: standalone)
    }
}
