/// The --profile table: GPU time per kernel from timestamp queries, aggregated by pipeline name.
public enum KernelTable {
    public static func render(_ times: [String: [Double]]) -> String {
        let rows = times.map { (name: $0.key, calls: $0.value.count, total: $0.value.reduce(0, +), median: median($0.value)) }
            .sorted { $0.total > $1.total }
        let all = rows.reduce(0) { $0 + $1.total }
        var out = "kernel                                   calls    total ms   median us   share\n"
        for r in rows {
            let name = r.name.count > 40 ? String(r.name.prefix(40)) : r.name.padding(toLength: 40, withPad: " ", startingAt: 0)
            out += name + " " + pad("\(r.calls)", 6) + " " + pad(fmt(r.total / 1e6, 2), 11) + " " + pad(fmt(r.median / 1e3, 1), 11)
                + " " + pad(fmt(all > 0 ? 100 * r.total / all : 0, 1) + "%", 7) + "\n"
        }
        return out
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    private static func fmt(_ x: Double, _ digits: Int) -> String {
        let p = pow10(digits)
        let v = (x * p).rounded() / p
        var s = "\(v)"
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        }
        return s
    }

    private static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { acc, _ in acc * 10 } }
    private static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}
