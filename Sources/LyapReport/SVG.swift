import Foundation

/// Text and number formatting shared by the SVG and HTML writers. Everything is locale-independent and
/// deterministic: the same input gives the same bytes.
public enum Markup {
    /// Escapes text for XML/HTML content and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab/newline are not allowed in XML 1.0.
                if ch.value < 0x20 && ch != "\t" && ch != "\n" { out += " " } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// A coordinate with at most 2 decimals and no trailing zeros ("12", "12.5", "-0.25").
    public static func coord(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        var s = String(format: "%.2f", x)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// A number for a CSV file: shortest round-trip form, empty for nil/non-finite.
    public static func csvNumber(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "" }
        return String(format: "%.10g", x)
    }
}

/// A minimal SVG writer: elements are appended as text in order.
public struct SVGWriter {
    public private(set) var body: [String] = []
    public let width: Int, height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public mutating func raw(_ s: String) { body.append(s) }

    public mutating func element(_ name: String, _ attrs: [(String, String)], text: String? = nil) {
        var s = "<" + name
        for (k, v) in attrs { s += " \(k)=\"\(Markup.escape(v))\"" }
        if let text { s += ">" + Markup.escape(text) + "</\(name)>" } else { s += "/>" }
        body.append(s)
    }

    public mutating func open(_ name: String, _ attrs: [(String, String)]) {
        var s = "<" + name
        for (k, v) in attrs { s += " \(k)=\"\(Markup.escape(v))\"" }
        body.append(s + ">")
    }

    public mutating func close(_ name: String) { body.append("</\(name)>") }

    /// The complete document. `standalone` adds the XML declaration (for .svg files; left out when inlined in HTML).
    public func document(title: String, standalone: Bool) -> String {
        var s = standalone ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : ""
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\""
        s += " font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"13\" role=\"img\">\n"
        s += "<title>\(Markup.escape(title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        s += body.joined(separator: "\n")
        s += "\n</svg>\n"
        return s
    }
}

/// Colour-blind-safe colours (Okabe & Ito 2008) and a perceptually uniform map for heatmaps (viridis anchors).
public enum Palette {
    public static let series = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    public static func color(_ i: Int) -> String { series[((i % series.count) + series.count) % series.count] }

    /// Shading for phase labels.
    public static func phaseFill(_ label: String) -> String {
        switch label {
        case "order": return "#56B4E9"
        case "chaos": return "#D55E00"
        default: return "#999999"
        }
    }

    private static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37),
    ]

    /// Viridis at t in [0, 1] (linear between 10 anchors), as #rrggbb.
    public static func viridis(_ t: Double) -> String {
        let u = min(1, max(0, t.isFinite ? t : 0)) * Double(viridis.count - 1)
        let i = min(Int(u), viridis.count - 2)
        let f = u - Double(i)
        let a = viridis[i], b = viridis[i + 1]
        func c(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return String(format: "#%02x%02x%02x", c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
    }
}
