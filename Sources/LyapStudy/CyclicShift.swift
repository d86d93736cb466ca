/// The null of the study's statistics: a set of epochs moved together by one offset, wrapping around the
/// analysed range [start, end] (the spacing within the set is kept).
struct CyclicShift {
    let start: Int, end: Int
    var length: Int { end - start + 1 }

    func apply(_ t: Double, offset: Int) -> Double {
        let n = Double(length)
        var u = (t - Double(start) + Double(offset)).truncatingRemainder(dividingBy: n)
        if u < 0 { u += n }
        return Double(start) + u
    }

    func apply(_ t: Int, offset: Int) -> Int {
        let u = (t - start + offset) % length
        return start + (u < 0 ? u + length : u)
    }
}
