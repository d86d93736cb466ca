import LyapCPU
import LyapDynamics

/// The drive with the reviews' pad prefix computed once per model (issue 14). With pre-padded reviews every
/// base row reads the pad id from h = c = 0 until its first real token, so its state after p pad steps
/// depends only on p and the weights: one pad-only trajectory per model, as long as the longest leading
/// run, gives each base row the state it enters the drive with at its first real token. The twins
/// perturbed at h_-1 differ per review and run every step as before.
///
/// Bitwise the unshared drive: every row is stepped by the same per-row arithmetic (each product element
/// one FMA chain in k order whatever the number of rows, `TangentKernel.step` row by row), only fewer rows.
struct SharedPadPrefix<T: CPUScalar>: @unchecked Sendable {
    /// Per review: how many of its drive steps read the pad id before its first other token (at most the drive).
    let runs: [Int]
    /// The state after p pad steps from h = c = 0, p = 0...max(runs), each a padded row [h | c] of 2·width.
    let states: [T]

    /// Leading runs of `id` in each review's drive.
    static func runs(_ reviews: ReviewSet, id: Int32) -> [Int] {
        let D = reviews.drive
        return (0..<reviews.count).map { r in
            var p = 0
            while p < D && reviews.tokens[r * D + p] == id { p += 1 }
            return p
        }
    }

    /// The pad-only trajectory of one model: one row stepped as a base row of a block is.
    init(_ w: CellWeights<T>, id: Int32, runs: [Int], blas: Bool, reference: Bool = false) {
        let W = w.width, S = 2 * W, G = 4 * W, P = runs.max() ?? 0
        self.runs = runs
        var states = [T](repeating: 0, count: (P + 1) * S)
        let row = UnsafeMutablePointer<T>.allocate(capacity: S), products = UnsafeMutablePointer<T>.allocate(capacity: G)
        defer { row.deallocate(); products.deallocate() }
        row.update(repeating: 0, count: S)
        w.recurrent.withUnsafeBufferPointer { U in
            w.recurrentTransposed.withUnsafeBufferPointer { Ut in
                w.inputTable.withUnsafeBufferPointer { table in
                    states.withUnsafeMutableBufferPointer { out in
                        let input = table.baseAddress! + Int(id) * G
                        for p in 0..<P {
                            BatchedEngine<T>.products(row, rows: 1, into: products, U: U.baseAddress!, Ut: Ut.baseAddress!,
                                                      hidden: w.hidden, width: W, blas: blas, reference: reference)
                            TangentKernel.step(state: row, products: products, input: input, cells: 1, tangents: 0, hidden: W,
                                               coefficients: nil)
                            (out.baseAddress! + (p + 1) * S).update(from: row, count: S)
                        }
                    }
                }
            }
        }
        self.states = states
    }

    /// One per model when `config` shares the pad prefix of a driven analysis, else nil.
    static func forModels(_ models: [CellWeights<T>], reviews: ReviewSet, config c: AnalysisConfig) -> [SharedPadPrefix<T>]? {
        guard let id = c.sharedPadID, reviews.drive > 0 else { return nil }
        let runs = runs(reviews, id: id)
        return models.map { SharedPadPrefix($0, id: id, runs: runs, blas: c.forceBLASProducts, reference: c.referenceProducts) }
    }
}

extension BatchedEngine {
    /// The drive of one block of lanes with the shared pad prefix. `ws.drive` holds each lane's base and twin
    /// A at h_-1 on entry (the unshared drive's start) and their states after the drive on return, in the
    /// same per-lane layout, so the zero-input phase reads it unchanged.
    ///
    /// Rows stepped at step t are contiguous, so each product covers only them: the twins first, then the
    /// bases in order of their pad run; a base enters at its first real token with the shared state copied in.
    static func sharedDrive(
        _ w: CellWeights<T>, lanes: Range<Int>, drive D: Int, tokens: UnsafePointer<Int32>, table: UnsafePointer<T>,
        U: UnsafePointer<T>, Ut: UnsafePointer<T>, prefix: SharedPadPrefix<T>, ws: Workspace<T>, blas: Bool,
        reference: Bool = false
    ) {
        let W = w.width, S = 2 * W, G = 4 * W, nL = lanes.count, first = lanes.lowerBound
        let order = (0..<nL).sorted { (prefix.runs[first + $0], $0) < (prefix.runs[first + $1], $1) }
        let rows = UnsafeMutablePointer<T>.allocate(capacity: 2 * nL * S)
        defer { rows.deallocate() }
        for l in 0..<nL { (rows + l * S).update(from: ws.drive + l * 2 * S + S, count: S) }
        prefix.states.withUnsafeBufferPointer { states in
            let shared = states.baseAddress!
            var entered = 0
            for t in 0..<D {
                while entered < nL && prefix.runs[first + order[entered]] == t {
                    (rows + (nL + entered) * S).update(from: shared + t * S, count: S)
                    entered += 1
                }
                let active = nL + entered
                products(rows, rows: active, into: ws.products, U: U, Ut: Ut, hidden: w.hidden, width: W, blas: blas,
                         reference: reference)
                for r in 0..<active {
                    let lane = first + (r < nL ? r : order[r - nL])
                    let id = Int(tokens[lane * D + t])
                    TangentKernel.step(state: rows + r * S, products: ws.products + r * G, input: table + id * G, cells: 1,
                                       tangents: 0, hidden: W, coefficients: nil)
                }
            }
            // Reviews that are pads throughout end where the shared trajectory does.
            for j in entered..<nL { (rows + (nL + j) * S).update(from: shared + D * S, count: S) }
        }
        for j in 0..<nL {
            let l = order[j], base = ws.drive + l * 2 * S
            base.update(from: rows + (nL + j) * S, count: S)
            (base + S).update(from: rows + l * S, count: S)
        }
    }
}

extension BatchedEngine {
    /// U·h as the AVX-512 product kernels compute each element, one FMA chain over the real columns in k
    /// order from zero, whatever the row's position or the number of rows (tests: `AnalysisConfig.referenceProducts`).
    static func referenceProducts(_ a: UnsafeMutablePointer<T>, rows: Int, into c: UnsafeMutablePointer<T>, Ut: UnsafePointer<T>,
                                  hidden H: Int, width W: Int) {
        let G = 4 * W
        for r in 0..<rows {
            let x = a + r * 2 * W, out = c + r * G
            for n in 0..<G {
                var acc: T = 0
                for m in 0..<H { acc.addProduct(x[m], Ut[m * G + n]) }
                out[n] = acc
            }
        }
    }
}
