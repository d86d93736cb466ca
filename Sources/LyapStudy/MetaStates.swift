import Foundation
import LyapCore

/// Meta-states of a training run (methods.md §6.3): per-epoch feature vectors standardised over a reference
/// window of early epochs, projected on the reference window's top principal components, and scored by their
/// Mahalanobis distance from it. An epoch deviates when that distance exceeds a threshold (default: the square
/// root of the 99.9 % chi-square quantile for the number of components, what Gaussian reference noise would
/// pass once in a thousand epochs). A deviation onset is the first epoch of an episode: deviating epochs
/// separated by at most `gap` quiet epochs (default 2), so a drift that dips once stays one episode. Test-
/// loss jumps are rises from one epoch to the next larger than `jumpFactor` robust noise deviations of the
/// first differences (1.4826 * MAD). For each jump, the lead time is the jump's epoch minus the latest onset
/// at or before it: positive leads mean the meta-state moved first.
public struct MetaStates: Codable, Equatable, Sendable {
    public struct Lead: Codable, Equatable, Sendable {
        public var jumpEpoch: Int
        public var onsetEpoch: Int?
        public var lead: Int?
    }

    public var features: [String]
    public var referenceEpochs: [Int]
    public var components: Int
    /// Fraction of the reference window's variance each component explains, largest first.
    public var explainedVariance: [Double]
    public var threshold: Double
    public var epochs: [Int]
    /// Per epoch: the projection on the components, and the Mahalanobis distance.
    public var projections: [[Double]]
    public var distances: [Double]
    public var onsets: [Int]
    public var jumps: [Int]
    public var leads: [Lead]

    /// Square roots of chi-square 99.9 % quantiles for 1...5 degrees of freedom.
    static let defaultThresholds = [3.291, 3.717, 4.034, 4.298, 4.530]

    /// `rows[e]` is epoch `epochs[e]`'s feature vector (in `names` order); the first `reference` epochs form
    /// the reference window. Features constant over the window carry no information there and are dropped.
    public static func compute(epochs: [Int], rows: [[Double]], names: [String], testLoss: [Double], reference: Int,
                               components: Int = 2, threshold: Double? = nil, jumpFactor: Double = 4, gap: Int = 2) throws -> MetaStates {
        precondition(epochs.count == rows.count && epochs.count == testLoss.count)
        guard reference >= 3, reference < epochs.count else {
            throw ConfigError("--reference \(reference): needs at least 3 epochs and fewer than the run's \(epochs.count)")
        }
        guard (1...5).contains(components) else { throw ConfigError("--components \(components) must be 1 to 5") }
        let ref = rows.prefix(reference)
        var keep: [Int] = [], mean: [Double] = [], sd: [Double] = []
        for j in names.indices {
            let v = ref.map { $0[j] }
            let m = v.reduce(0, +) / Double(v.count)
            let s = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
            if s > 0 && s.isFinite && v.allSatisfy(\.isFinite) { keep.append(j); mean.append(m); sd.append(s) }
        }
        guard keep.count >= components else {
            throw ConfigError("\(keep.count) feature(s) vary over the reference window; --components \(components) needs as many")
        }
        func standardised(_ row: [Double]) -> [Double] { keep.indices.map { (row[keep[$0]] - mean[$0]) / sd[$0] } }
        let z = rows.map(standardised)
        let n = keep.count
        var cov = [Double](repeating: 0, count: n * n)
        for r in z.prefix(reference) {
            for a in 0..<n { for b in 0..<n { cov[a * n + b] += r[a] * r[b] / Double(reference - 1) } }
        }
        let (values, vectors) = SymmetricEigen.decompose(cov, n)
        let total = values.reduce(0, +)
        let k = components
        let projections = z.map { r in (0..<k).map { c in (0..<n).reduce(0.0) { $0 + r[$1] * vectors[$1 * n + c] } } }
        let distances = projections.map { p in (0..<k).reduce(0.0) { $0 + p[$1] * p[$1] / max(values[$1], 1e-12) }.squareRoot() }
        let limit = threshold ?? defaultThresholds[k - 1]
        // Episodes of deviation: deviating epochs with gaps of at most `gap` quiet epochs between them, so
        // a drift that dips under the threshold for an epoch stays one episode; an onset starts each.
        var onsets: [Int] = []
        var lastDeviating: Int?
        for e in reference..<epochs.count where distances[e] > limit {
            if lastDeviating.map({ e - $0 > gap + 1 }) ?? true { onsets.append(epochs[e]) }
            lastDeviating = e
        }
        let jumps = Self.jumps(epochs: epochs, testLoss: testLoss, factor: jumpFactor).filter { $0 > epochs[reference - 1] }
        let leads = jumps.map { j -> Lead in
            let o = onsets.last { $0 <= j }
            return Lead(jumpEpoch: j, onsetEpoch: o, lead: o.map { j - $0 })
        }
        return MetaStates(features: keep.map { names[$0] }, referenceEpochs: Array(epochs.prefix(reference)), components: k,
                          explainedVariance: (0..<k).map { total > 0 ? values[$0] / total : .nan }, threshold: limit,
                          epochs: epochs, projections: projections, distances: distances, onsets: onsets, jumps: jumps, leads: leads)
    }

    /// Epochs whose test loss rose from the previous epoch by more than `factor` robust deviations of the
    /// first differences.
    public static func jumps(epochs: [Int], testLoss: [Double], factor: Double) -> [Int] {
        guard testLoss.count >= 3 else { return [] }
        let d = (1..<testLoss.count).map { testLoss[$0] - testLoss[$0 - 1] }
        let median = { (v: [Double]) -> Double in
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        let m = median(d), sigma = 1.4826 * median(d.map { abs($0 - m) })
        guard sigma > 0 else { return [] }
        return d.indices.filter { d[$0] - m > factor * sigma }.map { epochs[$0 + 1] }
    }
}

/// Eigenvalues (descending) and eigenvectors (columns of a row-major n×n matrix) of a small symmetric matrix,
/// by cyclic Jacobi rotations.
enum SymmetricEigen {
    static func decompose(_ m: [Double], _ n: Int) -> (values: [Double], vectors: [Double]) {
        var a = m
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<n where q < n { off += a[p * n + q] * a[p * n + q] } }
            if off < 1e-30 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where q < n && a[p * n + q] != 0 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {  // columns p, q of a
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {  // rows p, q
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        var vectors = [Double](repeating: 0, count: n * n)
        for (c, j) in order.enumerated() { for r in 0..<n { vectors[r * n + c] = v[r * n + j] } }
        return (order.map { a[$0 * n + $0] }, vectors)
    }
}
