import Foundation

extension Chart {
    /// The same chart with every coordinate on a log axis replaced by its log10 (values <= 0 become gaps,
    /// or are dropped for points, bands, markers and reference lines) and decade tick labels.
    func logMapped() -> Chart {
        func lx(_ x: Double) -> Double? { !xLog ? x : x > 0 ? log10(x) : nil }
        func ly(_ y: Double) -> Double? { !yLog ? y : y > 0 ? log10(y) : nil }
        var c = self
        c.xLog = false; c.yLog = false
        c.xDecades = xLog; c.yDecades = yLog
        if xLog { c.integerX = false }
        c.xRange = xRange.flatMap { r in lx(r.0).flatMap { a in lx(r.1).map { (a, $0) } } }
        c.yRange = yRange.flatMap { r in ly(r.0).flatMap { a in ly(r.1).map { (a, $0) } } }
        c.lines = lines.map { l in
            var m = l
            let pts = zip(l.x, l.y).map { x, y -> (Double, Double?) in
                guard let xx = lx(x) else { return (.nan, nil) }  // a gap
                return (xx, y.flatMap(ly))
            }
            m.x = pts.map(\.0); m.y = pts.map(\.1)
            return m
        }
        c.scatters = scatters.map { s in
            var m = s
            let pts = zip(s.x, s.y).compactMap { x, y in lx(x).flatMap { a in ly(y).map { (a, $0) } } }
            m.x = pts.map(\.0); m.y = pts.map(\.1)
            return m
        }
        c.bands = bands.compactMap { b in
            guard let a = lx(b.x0) ?? (xLog && b.x1 > 0 ? -Double.infinity : nil), let z = lx(b.x1) else { return nil }
            return Band(x0: a, x1: z, label: b.label, fill: b.fill)
        }
        c.markers = markers.compactMap { m in lx(m.x).map { VMarker(x: $0, label: m.label, color: m.color, dashed: m.dashed) } }
        c.hlines = hlines.compactMap { h in ly(h.y).map { HLine(y: $0, label: h.label, color: h.color) } }
        return c
    }
}

extension Ticks {
    /// "10ⁿ" for a tick at log10 value n (integers; others as 10^x with two decimals).
    public static func decade(_ v: Double) -> String {
        guard v == v.rounded() else { return String(format: "10^%.2f", v) }
        let sup: [Character: Character] = ["-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹"]
        let n = Int(v)
        if n == 0 { return "1" }
        if n == 1 { return "10" }
        return "10" + String(String(n).map { sup[$0]! })
    }
}
