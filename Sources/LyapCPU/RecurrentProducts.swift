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

    /// c[r][n] (+)= sum over k of a[r][k] * bt[k][n] for r < rows, n < N (row strides lda, ldb, ldc).
    static func run<T: CPUScalar>(_ a: UnsafePointer<T>, rows: Int, lda: Int, _ bt: UnsafePointer<T>, ldb: Int, k: Int, n N: Int,
                                  into c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool, spread: Spread) {
        precondition(runs(T.self, columns: N))
        let A = UnsafeSendable(UnsafeRawPointer(a).assumingMemoryBound(to: Float.self))
        let B = UnsafeSendable(UnsafeRawPointer(bt).assumingMemoryBound(to: Float.self))
        let C = UnsafeSendable(UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self))
        // Threads take runs of 16-column blocks; each run is cut into 64-column panels and a 16-column tail.
        spread.run(N / 16) { blocks in
            let n0 = blocks.lowerBound * 16
            _ = lyap_products_ex_f32(A.value, Int32(rows), Int32(lda), B.value + n0, Int32(ldb), Int32(k), Int32(blocks.count * 16),
                                     C.value + n0, Int32(ldc), accumulate ? 1 : 0)
        }
    }
}
