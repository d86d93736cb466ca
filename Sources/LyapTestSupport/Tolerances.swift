/// The largest |a_i - b_i| (0 for empty arrays); the arrays must have the same length.
public func maxAbsDiff(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

