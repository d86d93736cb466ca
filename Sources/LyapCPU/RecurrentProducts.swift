import CLyapKernels

/// The per-step recurrent products of the Float backend on AVX-512 CPUs: c (+)= a · bt over column blocks
/// spread across threads, with lyap's own tile kernel (16 zmm accumulators, the block of bt reused
/// from L1 for every 4 rows). OpenBLAS, which this machine kind runs with its AVX2 kernels, repacks both
/// operands on every one of these small calls (32 rows per step); this does not. Each element is one FMA
/// chain over k in order whatever the block split, so results do not depend on the thread count.
/// It does not run without AVX-512, for Double, or when 16 does not divide N: the caller uses BLAS then.
enum RecurrentProducts {
    static var available: Bool { lyap_kernels_isa() == 2 }

    /// Whether a product with N output columns runs here for scalar type T.
    static func runs<T: CPUScalar>(_: T.Type, columns N: Int) -> Bool { T.self == Float.self && available && N % 16 == 0 }

    typealias Kernel = @Sendable (UnsafePointer<Float>, Int32, Int32, UnsafePointer<Float>, Int32, Int32, Int32,
                                  UnsafeMutablePointer<Float>, Int32, Int32) -> Int32

    /// c[r][n] (+)= sum over k of a[r][k] * bt[k][n] for r < rows, n < N (row strides lda, ldb, ldc).
    static func run<T: CPUScalar>(_ a: UnsafePointer<T>, rows: Int, lda: Int, _ bt: UnsafePointer<T>, ldb: Int, k: Int, n N: Int,
                                  into c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool, spread: Spread) {
        precondition(runs(T.self, columns: N))
        // Threads take runs of 16-column blocks; each run is cut into 64-column panels and a 16-column tail.
        products(a, rows: rows, lda: lda, bt, ldb: ldb, k: k, n: N, into: c, ldc: ldc, accumulate: accumulate, spread: spread,
                 block: 16, kernel: lyap_products_ex_f32)
    }

    /// Whether the shared pad prefix's products (`runAny`) run for N output columns: the AVX-512 kernel as
    /// above, or its AVX2 form where N is a multiple of 8. Only the shared computation uses the AVX2 form, so
    /// runs without it keep the products they started with.
    static func runsAny<T: CPUScalar>(_: T.Type, columns N: Int) -> Bool {
        guard T.self == Float.self else { return false }
        return available ? N % 16 == 0 : lyap_kernels_isa() >= 1 && N % 8 == 0
    }

    /// `run` on whichever kernel `runsAny` found.
    static func runAny<T: CPUScalar>(_ a: UnsafePointer<T>, rows: Int, lda: Int, _ bt: UnsafePointer<T>, ldb: Int, k: Int, n N: Int,
                                     into c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool, spread: Spread) {
        precondition(runsAny(T.self, columns: N))
        products(a, rows: rows, lda: lda, bt, ldb: ldb, k: k, n: N, into: c, ldc: ldc, accumulate: accumulate, spread: spread,
                 block: N % 16 == 0 ? 16 : 8, kernel: lyap_products_any_f32)
    }

    /// Column blocks of `block` spread across threads, each one kernel call.
    private static func products<T: CPUScalar>(_ a: UnsafePointer<T>, rows: Int, lda: Int, _ bt: UnsafePointer<T>, ldb: Int, k: Int,
                                               n N: Int, into c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool, spread: Spread,
                                               block: Int, kernel: @escaping Kernel) {
        let A = UnsafeSendable(UnsafeRawPointer(a).assumingMemoryBound(to: Float.self))
        let B = UnsafeSendable(UnsafeRawPointer(bt).assumingMemoryBound(to: Float.self))
        let C = UnsafeSendable(UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self))
        spread.run(N / block) { blocks in
            let n0 = blocks.lowerBound * block
            _ = kernel(A.value, Int32(rows), Int32(lda), B.value + n0, Int32(ldb), Int32(k), Int32(blocks.count * block),
                       C.value + n0, Int32(ldc), accumulate ? 1 : 0)
        }
    }
}
