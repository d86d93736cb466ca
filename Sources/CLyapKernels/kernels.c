#include "lyap_kernels.h"
#include <stdint.h>

/* Vector values only cross always-inlined helpers of one target, so the AVX argument ABI never applies. */
#pragma clang diagnostic ignored "-Wpsabi"

/* Baseline: eight lanes of generic vector code (SSE2 on x86-64, NEON on arm64), true division. */
typedef float vf8 __attribute__((vector_size(32)));
typedef int32_t vi8 __attribute__((vector_size(32)));
typedef float vf8_u __attribute__((vector_size(32), aligned(4)));
typedef float vf4 __attribute__((vector_size(16)));
#define vf vf8
#define vi vi8
#define vf_u vf8_u
#define LANES 8
#define LYAP_RCP 0
#define K(name) name##_base
#define INLINE static inline __attribute__((always_inline))
#include "kernels_body.h"
#undef K
#undef INLINE
#undef LYAP_RCP

typedef double vd4 __attribute__((vector_size(32)));
typedef double vd4_u __attribute__((vector_size(32), aligned(8)));
#define vd vd4
#define vd_u vd4_u
#define LANESD 4
#define KD(name) name##_f64_base
#define INLINE static inline __attribute__((always_inline))
#include "kernels_f64_body.h"
#undef KD
#undef INLINE

#if defined(__x86_64__)
#include <immintrin.h>

#define KD(name) name##_f64_avx2
#define INLINE static inline __attribute__((always_inline, target("avx2,fma")))
#include "kernels_f64_body.h"
#undef KD
#undef INLINE
#undef vd
#undef vd_u
#undef LANESD

typedef double vd8 __attribute__((vector_size(64)));
typedef double vd8_u __attribute__((vector_size(64), aligned(8)));
#define vd vd8
#define vd_u vd8_u
#define LANESD 8
#define KD(name) name##_f64_avx512
#define INLINE static inline __attribute__((always_inline, target("avx512f,avx2,fma")))
#include "kernels_f64_body.h"
#undef KD
#undef INLINE

/* AVX2 + FMA: eight lanes, reciprocal estimate plus one Newton step for the divisions. */
#define LYAP_RCP 8
#define K(name) name##_avx2
#define INLINE static inline __attribute__((always_inline, target("avx2,fma")))
#include "kernels_body.h"
#undef K
#undef INLINE
#undef LYAP_RCP
#undef vf
#undef vi
#undef vf_u
#undef LANES

/* AVX-512: sixteen lanes (the whole 512-bit datapath on CPUs that have one). */
typedef float vf16 __attribute__((vector_size(64)));
typedef int32_t vi16 __attribute__((vector_size(64)));
typedef float vf16_u __attribute__((vector_size(64), aligned(4)));
#define vf vf16
#define vi vi16
#define vf_u vf16_u
#define LANES 16
#define LYAP_RCP 16
#define K(name) name##_avx512
#define INLINE static inline __attribute__((always_inline, target("avx512f,avx2,fma")))
#include "kernels_body.h"
#undef K
#undef INLINE
#undef LYAP_RCP

static int detect(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return 2;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
}
static int isa = -1;
static inline int use_isa(void) {
    int v = __atomic_load_n(&isa, __ATOMIC_RELAXED);
    if (v < 0) {
        v = detect();
        __atomic_store_n(&isa, v, __ATOMIC_RELAXED);
    }
    return v;
}

#define A512 __attribute__((target("avx512f,avx2,fma")))
#define A2 __attribute__((target("avx2,fma")))
A512 static void step_avx512(float *s, const float *p, const float *in, int c, int t, int w, float *k) { step_body_avx512(s, p, in, c, t, w, k); }
A2 static void step_avx2(float *s, const float *p, const float *in, int c, int t, int w, float *k) { step_body_avx2(s, p, in, c, t, w, k); }
A512 static void step_acc_avx512(float *s, const float *p, const float *in, int c, int t, int w, float *k) { step_body_ex_avx512(s, p, in, c, t, w, k, 1); }
A2 static void step_acc_avx2(float *s, const float *p, const float *in, int c, int t, int w, float *k) { step_body_ex_avx2(s, p, in, c, t, w, k, 1); }
A512 static void ts_avx512(float *r, int n, int h, int w, const float *ut, const float *k, float *wk) { tangents_structured_body_avx512(r, n, h, w, ut, k, wk); }
A2 static void ts_avx2(float *r, int n, int h, int w, const float *ut, const float *k, float *wk) { tangents_structured_body_avx2(r, n, h, w, ut, k, wk); }
A512 static int bmgs_avx512(float *r, int k, int n, int from, double *norms) { return block_mgs_body_avx512(r, k, n, from, norms); }
A2 static int bmgs_avx2(float *r, int k, int n, int from, double *norms) { return block_mgs_body_avx2(r, k, n, from, norms); }
A512 static float dot_avx512(const float *a, const float *b, int n) { return dot_body_avx512(a, b, n); }
A2 static float dot_avx2(const float *a, const float *b, int n) { return dot_body_avx2(a, b, n); }
A512 static void axpy_avx512(float al, const float *x, float *y, int n) { axpy_body_avx512(al, x, y, n); }
A2 static void axpy_avx2(float al, const float *x, float *y, int n) { axpy_body_avx2(al, x, y, n); }
A512 static void scale_avx512(float s, float *y, int n) { scale_body_avx512(s, y, n); }
A2 static void scale_avx2(float s, float *y, int n) { scale_body_avx2(s, y, n); }
A512 static int gs_avx512(float *r, int k, int n, int from, double *norms) { return gram_schmidt_body_avx512(r, k, n, from, norms); }
A2 static int gs_avx2(float *r, int k, int n, int from, double *norms) { return gram_schmidt_body_avx2(r, k, n, from, norms); }
A512 static void sigmoid_avx512(const float *x, float *y, int n) { for (int i = 0; i < n; i += 16) store_avx512(y + i, vsigmoid_avx512(load_avx512(x + i))); }
A2 static void sigmoid_avx2(const float *x, float *y, int n) { for (int i = 0; i < n; i += 8) store_avx2(y + i, vsigmoid_avx2(load_avx2(x + i))); }
A512 static void tanh_avx512(const float *x, float *y, int n) { for (int i = 0; i < n; i += 16) store_avx512(y + i, vtanh_avx512(load_avx512(x + i))); }
A2 static void tanh_avx2(const float *x, float *y, int n) { for (int i = 0; i < n; i += 8) store_avx2(y + i, vtanh_avx2(load_avx2(x + i))); }

/* C = A·Btᵀ... written as C[r][n] = Σ_k A[r][k] Bt[k][n] (Bt is K×N, row-major): tiles of 4 rows × 64
 * columns held in 16 zmm accumulators, the 64-column panel of Bt (K×64) reused from L1 for every row tile. */
/* ldb is Bt's row stride (N for a contiguous Bt); with acc the accumulators start from C (C += A·Bt). The k range
 * is cut into chunks of KC so a chunk of the 64-column panel of Bt (KC×64 floats, 16 KB) stays in L1 while every
 * row tile passes over it; the accumulators go through C between chunks, which keeps each element one FMA chain
 * over k in order (a float stored and loaded back is the same float), whatever the chunking. */
#define KC 64
A512 static void products_avx512(const float *A, int M, int lda, const float *Bt, int ldb, int K, int N, float *C, int ldc,
                                 int acc) {
    int n64 = N / 64 * 64;
    /* Columns past the last full 64 (N a multiple of 16): panels of 16, one accumulator per row. */
    for (int n = n64; n < N; n += 16) {
        const float *b = Bt + n;
        for (int k0 = 0; k0 < K || k0 == 0; k0 += KC) {
            int k1 = k0 + KC < K ? k0 + KC : K;
            int from = acc || k0 > 0;
            for (int r = 0; r < M; r++) {
                const float *a0 = A + r * lda;
                float *o0 = C + r * ldc + n;
                __m512 c0 = from ? _mm512_loadu_ps(o0) : _mm512_setzero_ps();
                for (int k = k0; k < k1; k++) c0 = _mm512_fmadd_ps(_mm512_set1_ps(a0[k]), _mm512_loadu_ps(b + (long)k * ldb), c0);
                _mm512_storeu_ps(o0, c0);
            }
            if (K == 0) break;
        }
    }
    N = n64;
    for (int n = 0; n < N; n += 64) {
        const float *b = Bt + n;
        for (int k0 = 0; k0 < K || k0 == 0; k0 += KC) {
            int k1 = k0 + KC < K ? k0 + KC : K;
            int from = acc || k0 > 0;  /* start from C: accumulate, or continue the previous chunk */
#define LOAD(o) (from ? _mm512_loadu_ps(o) : _mm512_setzero_ps())
            int r = 0;
            for (; r + 4 <= M; r += 4) {
                const float *a0 = A + r * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
                float *o0 = C + r * ldc + n, *o1 = o0 + ldc, *o2 = o1 + ldc, *o3 = o2 + ldc;
                __m512 c00 = LOAD(o0), c01 = LOAD(o0 + 16), c02 = LOAD(o0 + 32), c03 = LOAD(o0 + 48);
                __m512 c10 = LOAD(o1), c11 = LOAD(o1 + 16), c12 = LOAD(o1 + 32), c13 = LOAD(o1 + 48);
                __m512 c20 = LOAD(o2), c21 = LOAD(o2 + 16), c22 = LOAD(o2 + 32), c23 = LOAD(o2 + 48);
                __m512 c30 = LOAD(o3), c31 = LOAD(o3 + 16), c32 = LOAD(o3 + 32), c33 = LOAD(o3 + 48);
                for (int k = k0; k < k1; k++) {
                    const float *bk = b + (long)k * ldb;
                    __m512 b0 = _mm512_loadu_ps(bk), b1 = _mm512_loadu_ps(bk + 16);
                    __m512 b2 = _mm512_loadu_ps(bk + 32), b3 = _mm512_loadu_ps(bk + 48);
                    __m512 x = _mm512_set1_ps(a0[k]);
                    c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01);
                    c02 = _mm512_fmadd_ps(x, b2, c02); c03 = _mm512_fmadd_ps(x, b3, c03);
                    x = _mm512_set1_ps(a1[k]);
                    c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11);
                    c12 = _mm512_fmadd_ps(x, b2, c12); c13 = _mm512_fmadd_ps(x, b3, c13);
                    x = _mm512_set1_ps(a2[k]);
                    c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21);
                    c22 = _mm512_fmadd_ps(x, b2, c22); c23 = _mm512_fmadd_ps(x, b3, c23);
                    x = _mm512_set1_ps(a3[k]);
                    c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31);
                    c32 = _mm512_fmadd_ps(x, b2, c32); c33 = _mm512_fmadd_ps(x, b3, c33);
                }
                _mm512_storeu_ps(o0, c00); _mm512_storeu_ps(o0 + 16, c01); _mm512_storeu_ps(o0 + 32, c02); _mm512_storeu_ps(o0 + 48, c03);
                _mm512_storeu_ps(o1, c10); _mm512_storeu_ps(o1 + 16, c11); _mm512_storeu_ps(o1 + 32, c12); _mm512_storeu_ps(o1 + 48, c13);
                _mm512_storeu_ps(o2, c20); _mm512_storeu_ps(o2 + 16, c21); _mm512_storeu_ps(o2 + 32, c22); _mm512_storeu_ps(o2 + 48, c23);
                _mm512_storeu_ps(o3, c30); _mm512_storeu_ps(o3 + 16, c31); _mm512_storeu_ps(o3 + 32, c32); _mm512_storeu_ps(o3 + 48, c33);
            }
            for (; r < M; r++) {
                const float *a0 = A + r * lda;
                float *o0 = C + r * ldc + n;
                __m512 c0 = LOAD(o0), c1 = LOAD(o0 + 16), c2 = LOAD(o0 + 32), c3 = LOAD(o0 + 48);
                for (int k = k0; k < k1; k++) {
                    const float *bk = b + (long)k * ldb;
                    __m512 x = _mm512_set1_ps(a0[k]);
                    c0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(bk), c0);
                    c1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(bk + 16), c1);
                    c2 = _mm512_fmadd_ps(x, _mm512_loadu_ps(bk + 32), c2);
                    c3 = _mm512_fmadd_ps(x, _mm512_loadu_ps(bk + 48), c3);
                }
                _mm512_storeu_ps(o0, c0); _mm512_storeu_ps(o0 + 16, c1); _mm512_storeu_ps(o0 + 32, c2); _mm512_storeu_ps(o0 + 48, c3);
            }
#undef LOAD
            if (K == 0) break;
        }
    }
}

/* The AVX2 form of products_avx512 for N a multiple of 8: tiles of up to 6 rows × 16 columns in up to 12 ymm
 * accumulators (16 registers in all). Rows are cut into tiles of 6, the last 7 to 11 into 4 + 3..5 or 6 + 3..5,
 * so only a batch of 1 or 2 rows runs one row at a time over up to 64 columns (8 independent accumulators, so
 * a single row, as the shared pad trajectory's, is not bound by one FMA chain's latency): a row alone streams
 * all of Bt, a tile streams it once for all its rows. k is chunked by KC as above, so each element is one FMA
 * chain over k in order whatever the tiling. */
#define LOAD8(o) (from ? _mm256_loadu_ps(o) : _mm256_setzero_ps())
static inline __attribute__((always_inline, target("avx2,fma")))
void row_avx2(const float *a0, const float *b, int ldb, int k0, int k1, float *o0, int from, int W) {
    __m256 c[8];
    for (int i = 0; i < W; i++) c[i] = LOAD8(o0 + 8 * i);
    for (int k = k0; k < k1; k++) {
        const float *bk = b + (long)k * ldb;
        __m256 x = _mm256_set1_ps(a0[k]);
        for (int i = 0; i < W; i++) c[i] = _mm256_fmadd_ps(x, _mm256_loadu_ps(bk + 8 * i), c[i]);
    }
    for (int i = 0; i < W; i++) _mm256_storeu_ps(o0 + 8 * i, c[i]);
}

/* R rows (a constant at every call, so the loops unroll into registers) × 16 columns. */
static inline __attribute__((always_inline, target("avx2,fma")))
void tile_avx2(const float *A, int lda, const float *b, int ldb, int k0, int k1, float *C, int ldc, int from, int R) {
    const float *a[6];
    float *o[6];
    __m256 c0[6], c1[6];
    for (int i = 0; i < R; i++) {
        a[i] = A + i * lda;
        o[i] = C + i * ldc;
        c0[i] = LOAD8(o[i]);
        c1[i] = LOAD8(o[i] + 8);
    }
    for (int k = k0; k < k1; k++) {
        const float *bk = b + (long)k * ldb;
        __m256 b0 = _mm256_loadu_ps(bk), b1 = _mm256_loadu_ps(bk + 8);
        for (int i = 0; i < R; i++) {
            __m256 x = _mm256_set1_ps(a[i][k]);
            c0[i] = _mm256_fmadd_ps(x, b0, c0[i]);
            c1[i] = _mm256_fmadd_ps(x, b1, c1[i]);
        }
    }
    for (int i = 0; i < R; i++) {
        _mm256_storeu_ps(o[i], c0[i]);
        _mm256_storeu_ps(o[i] + 8, c1[i]);
    }
}

/* Height of the next tile when m rows are left (0: the rest, 1 or 2 rows, go one at a time). */
static inline int tile_rows(int m) { return m == 7 || m == 8 ? 4 : m >= 6 ? 6 : m >= 3 ? m : 0; }

A2 static void products_avx2(const float *A, int M, int lda, const float *Bt, int ldb, int K, int N, float *C, int ldc,
                             int acc) {
    int tiled = 0;  /* rows covered by tiles */
    while (tile_rows(M - tiled) > 0) tiled += tile_rows(M - tiled);
    for (int k0 = 0; k0 < K || k0 == 0; k0 += KC) {
        int k1 = k0 + KC < K ? k0 + KC : K;
        int from = acc || k0 > 0;
        for (int n = 0; n < N; n += 16) {
            const float *b = Bt + n;
            if (n + 16 > N) {
                for (int r = 0; r < tiled; r++) row_avx2(A + r * lda, b, ldb, k0, k1, C + r * ldc + n, from, 1);
                break;
            }
            for (int r = 0, h; (h = tile_rows(M - r)) > 0; r += h) {
                const float *a = A + r * lda;
                float *o = C + r * ldc + n;
                switch (h) {
                case 6: tile_avx2(a, lda, b, ldb, k0, k1, o, ldc, from, 6); break;
                case 5: tile_avx2(a, lda, b, ldb, k0, k1, o, ldc, from, 5); break;
                case 4: tile_avx2(a, lda, b, ldb, k0, k1, o, ldc, from, 4); break;
                default: tile_avx2(a, lda, b, ldb, k0, k1, o, ldc, from, 3); break;
                }
            }
        }
        for (int r = tiled; r < M; r++) {
            const float *a0 = A + r * lda;
            int n = 0;
            for (; n + 64 <= N; n += 64) row_avx2(a0, Bt + n, ldb, k0, k1, C + r * ldc + n, from, 8);
            if (n + 32 <= N) { row_avx2(a0, Bt + n, ldb, k0, k1, C + r * ldc + n, from, 4); n += 32; }
            if (n + 16 <= N) { row_avx2(a0, Bt + n, ldb, k0, k1, C + r * ldc + n, from, 2); n += 16; }
            if (n + 8 <= N) row_avx2(a0, Bt + n, ldb, k0, k1, C + r * ldc + n, from, 1);
        }
        if (K == 0) break;
    }
}
#undef LOAD8

/* The Double form of products_avx512: tiles of 4 rows × 32 columns. */
A512 static void products_f64_avx512(const double *A, int M, int lda, const double *Bt, int K, int N, double *C, int ldc) {
    for (int n = 0; n < N; n += 32) {
        const double *b = Bt + n;
        int r = 0;
        for (; r + 4 <= M; r += 4) {
            const double *a0 = A + r * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
            __m512d c00 = _mm512_setzero_pd(), c01 = c00, c02 = c00, c03 = c00;
            __m512d c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            __m512d c20 = c00, c21 = c00, c22 = c00, c23 = c00;
            __m512d c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            for (int k = 0; k < K; k++) {
                const double *bk = b + k * N;
                __m512d b0 = _mm512_loadu_pd(bk), b1 = _mm512_loadu_pd(bk + 8);
                __m512d b2 = _mm512_loadu_pd(bk + 16), b3 = _mm512_loadu_pd(bk + 24);
                __m512d x = _mm512_set1_pd(a0[k]);
                c00 = _mm512_fmadd_pd(x, b0, c00); c01 = _mm512_fmadd_pd(x, b1, c01);
                c02 = _mm512_fmadd_pd(x, b2, c02); c03 = _mm512_fmadd_pd(x, b3, c03);
                x = _mm512_set1_pd(a1[k]);
                c10 = _mm512_fmadd_pd(x, b0, c10); c11 = _mm512_fmadd_pd(x, b1, c11);
                c12 = _mm512_fmadd_pd(x, b2, c12); c13 = _mm512_fmadd_pd(x, b3, c13);
                x = _mm512_set1_pd(a2[k]);
                c20 = _mm512_fmadd_pd(x, b0, c20); c21 = _mm512_fmadd_pd(x, b1, c21);
                c22 = _mm512_fmadd_pd(x, b2, c22); c23 = _mm512_fmadd_pd(x, b3, c23);
                x = _mm512_set1_pd(a3[k]);
                c30 = _mm512_fmadd_pd(x, b0, c30); c31 = _mm512_fmadd_pd(x, b1, c31);
                c32 = _mm512_fmadd_pd(x, b2, c32); c33 = _mm512_fmadd_pd(x, b3, c33);
            }
            double *o = C + r * ldc + n;
            _mm512_storeu_pd(o, c00); _mm512_storeu_pd(o + 8, c01); _mm512_storeu_pd(o + 16, c02); _mm512_storeu_pd(o + 24, c03);
            o += ldc;
            _mm512_storeu_pd(o, c10); _mm512_storeu_pd(o + 8, c11); _mm512_storeu_pd(o + 16, c12); _mm512_storeu_pd(o + 24, c13);
            o += ldc;
            _mm512_storeu_pd(o, c20); _mm512_storeu_pd(o + 8, c21); _mm512_storeu_pd(o + 16, c22); _mm512_storeu_pd(o + 24, c23);
            o += ldc;
            _mm512_storeu_pd(o, c30); _mm512_storeu_pd(o + 8, c31); _mm512_storeu_pd(o + 16, c32); _mm512_storeu_pd(o + 24, c33);
        }
        for (; r < M; r++) {
            const double *a0 = A + r * lda;
            __m512d c0 = _mm512_setzero_pd(), c1 = c0, c2 = c0, c3 = c0;
            for (int k = 0; k < K; k++) {
                const double *bk = b + k * N;
                __m512d x = _mm512_set1_pd(a0[k]);
                c0 = _mm512_fmadd_pd(x, _mm512_loadu_pd(bk), c0);
                c1 = _mm512_fmadd_pd(x, _mm512_loadu_pd(bk + 8), c1);
                c2 = _mm512_fmadd_pd(x, _mm512_loadu_pd(bk + 16), c2);
                c3 = _mm512_fmadd_pd(x, _mm512_loadu_pd(bk + 24), c3);
            }
            double *o = C + r * ldc + n;
            _mm512_storeu_pd(o, c0); _mm512_storeu_pd(o + 8, c1); _mm512_storeu_pd(o + 16, c2); _mm512_storeu_pd(o + 24, c3);
        }
    }
}
A512 static void tangents_f64_avx512(double *s, const double *p, int c, int t, int w, const double *k) { tangents_body_f64_avx512(s, p, c, t, w, k); }
A2 static void tangents_f64_avx2(double *s, const double *p, int c, int t, int w, const double *k) { tangents_body_f64_avx2(s, p, c, t, w, k); }
A512 static int gs_f64_avx512(double *r, int k, int n, int from, double *norms) { return gram_schmidt_body_f64_avx512(r, k, n, from, norms); }
A2 static int gs_f64_avx2(double *r, int k, int n, int from, double *norms) { return gram_schmidt_body_f64_avx2(r, k, n, from, norms); }
A512 static void tsd_avx512(double *r, int c, int h, int w, const double *ut, const double *k, double *wk) { tangents_structured_body_f64_avx512(r, c, h, w, ut, k, wk); }
A2 static void tsd_avx2(double *r, int c, int h, int w, const double *ut, const double *k, double *wk) { tangents_structured_body_f64_avx2(r, c, h, w, ut, k, wk); }
A512 static int bmgs_f64_avx512(double *r, int k, int n, int from, double *norms) { return block_mgs_body_f64_avx512(r, k, n, from, norms); }
A2 static int bmgs_f64_avx2(double *r, int k, int n, int from, double *norms) { return block_mgs_body_f64_avx2(r, k, n, from, norms); }

/* The widest variant at most `isa` whose lane count divides n. */
#define PICK(isa, n) ((isa) == 2 && (n) % 16 == 0 ? 2 : (isa) >= 1 ? 1 : 0)
#define DISPATCH(isa, n, wide, avx, base) \
    switch (PICK(isa, n)) { case 2: wide; break; case 1: avx; break; default: base; break; }
#else
#define DISPATCH(isa, n, wide, avx, base) base;
static inline int use_isa(void) { return 0; }
#endif

int lyap_kernels_isa(void) { return use_isa(); }
int lyap_kernels_lanes(void) { return use_isa() == 2 ? 16 : 8; }

static inline int clamp_isa(int isa) { int a = use_isa(); return isa < a ? (isa < 0 ? 0 : isa) : a; }

int lyap_products_f32(const float *A, int M, int lda, const float *Bt, int K, int N, float *C, int ldc) {
    return N % 64 == 0 ? lyap_products_ex_f32(A, M, lda, Bt, N, K, N, C, ldc, 0) : 0;
}

int lyap_products_ex_f32(const float *A, int M, int lda, const float *Bt, int ldb, int K, int N, float *C, int ldc,
                         int accumulate) {
#if defined(__x86_64__)
    if (use_isa() == 2 && N % 16 == 0) {
        products_avx512(A, M, lda, Bt, ldb, K, N, C, ldc, accumulate);
        return 1;
    }
#endif
    return 0;
}

int lyap_products_any_f32(const float *A, int M, int lda, const float *Bt, int ldb, int K, int N, float *C, int ldc,
                          int accumulate) {
    return lyap_products_any_f32_isa(2, A, M, lda, Bt, ldb, K, N, C, ldc, accumulate);
}

int lyap_products_any_f32_isa(int isa, const float *A, int M, int lda, const float *Bt, int ldb, int K, int N, float *C,
                              int ldc, int accumulate) {
#if defined(__x86_64__)
    isa = clamp_isa(isa);
    if (isa == 2 && N % 16 == 0) {
        products_avx512(A, M, lda, Bt, ldb, K, N, C, ldc, accumulate);
        return 1;
    }
    if (isa >= 1 && N % 8 == 0) {
        products_avx2(A, M, lda, Bt, ldb, K, N, C, ldc, accumulate);
        return 1;
    }
#endif
    return 0;
}

int lyap_products_wide_f32(const float *A, int M, int lda, const float *Bt, int K, int N, float *C, int ldc) {
    /* Each kernel computes an element as one FMA chain over k in order, so which one runs changes no bit. */
    return N % 16 == 0 ? lyap_products_any_f32(A, M, lda, Bt, N, K, N, C, ldc, 0) : 0;
}

int lyap_products_f64(const double *A, int M, int lda, const double *Bt, int K, int N, double *C, int ldc) {
#if defined(__x86_64__)
    if (use_isa() == 2 && N % 32 == 0) {
        products_f64_avx512(A, M, lda, Bt, K, N, C, ldc);
        return 1;
    }
#endif
    return 0;
}

/* Double widths: 8 lanes with AVX-512, 4 otherwise. */
#define PICKD(isa, n) ((isa) == 2 && (n) % 8 == 0 ? 2 : (isa) >= 1 ? 1 : 0)

void lyap_tangents_f64_isa(int isa, double *s, const double *p, int c, int t, int w, const double *k) {
#if defined(__x86_64__)
    switch (PICKD(clamp_isa(isa), w)) {
    case 2: tangents_f64_avx512(s, p, c, t, w, k); return;
    case 1: tangents_f64_avx2(s, p, c, t, w, k); return;
    default: break;
    }
#endif
    tangents_body_f64_base(s, p, c, t, w, k);
}

void lyap_tangents_f64(double *s, const double *p, int c, int t, int w, const double *k) {
    lyap_tangents_f64_isa(2, s, p, c, t, w, k);
}

int lyap_gram_schmidt_f64_isa(int isa, double *rows, int k, int n, int from, double *norms) {
#if defined(__x86_64__)
    switch (PICKD(clamp_isa(isa), n)) {
    case 2: return gs_f64_avx512(rows, k, n, from, norms);
    case 1: return gs_f64_avx2(rows, k, n, from, norms);
    default: break;
    }
#endif
    return gram_schmidt_body_f64_base(rows, k, n, from, norms);
}

int lyap_gram_schmidt_f64(double *rows, int k, int n, int from, double *norms) {
    return lyap_gram_schmidt_f64_isa(2, rows, k, n, from, norms);
}

void lyap_tangents_structured_f64_isa(int isa, double *rows, int count, int hidden, int width, const double *Ut,
                                      const double *coefficients, double *work) {
#if defined(__x86_64__)
    switch (PICKD(clamp_isa(isa), width)) {
    case 2: tsd_avx512(rows, count, hidden, width, Ut, coefficients, work); return;
    case 1: tsd_avx2(rows, count, hidden, width, Ut, coefficients, work); return;
    default: break;
    }
#endif
    tangents_structured_body_f64_base(rows, count, hidden, width, Ut, coefficients, work);
}

void lyap_tangents_structured_f64(double *rows, int count, int hidden, int width, const double *Ut,
                                  const double *coefficients, double *work) {
    lyap_tangents_structured_f64_isa(2, rows, count, hidden, width, Ut, coefficients, work);
}

int lyap_block_mgs_f64_isa(int isa, double *rows, int k, int n, int from, double *norms) {
#if defined(__x86_64__)
    switch (PICKD(clamp_isa(isa), n)) {
    case 2: return bmgs_f64_avx512(rows, k, n, from, norms);
    case 1: return bmgs_f64_avx2(rows, k, n, from, norms);
    default: break;
    }
#endif
    return block_mgs_body_f64_base(rows, k, n, from, norms);
}

int lyap_block_mgs_f64(double *rows, int k, int n, int from, double *norms) {
    return lyap_block_mgs_f64_isa(2, rows, k, n, from, norms);
}

void lyap_step_f32_isa(int isa, float *s, const float *p, const float *in, int c, int t, int w, float *k) {
    DISPATCH(clamp_isa(isa), w, step_avx512(s, p, in, c, t, w, k), step_avx2(s, p, in, c, t, w, k),
             step_body_base(s, p, in, c, t, w, k))
}

void lyap_step_f32(float *s, const float *p, const float *in, int c, int t, int w, float *k) {
    lyap_step_f32_isa(2, s, p, in, c, t, w, k);
}

void lyap_step_accurate_f32_isa(int isa, float *s, const float *p, const float *in, int c, int t, int w, float *k) {
    DISPATCH(clamp_isa(isa), w, step_acc_avx512(s, p, in, c, t, w, k), step_acc_avx2(s, p, in, c, t, w, k),
             step_body_ex_base(s, p, in, c, t, w, k, 1))
}

void lyap_step_accurate_f32(float *s, const float *p, const float *in, int c, int t, int w, float *k) {
    lyap_step_accurate_f32_isa(2, s, p, in, c, t, w, k);
}

void lyap_tangents_structured_f32_isa(int isa, float *rows, int count, int hidden, int width, const float *Ut,
                                      const float *coefficients, float *work) {
    DISPATCH(clamp_isa(isa), width, ts_avx512(rows, count, hidden, width, Ut, coefficients, work),
             ts_avx2(rows, count, hidden, width, Ut, coefficients, work),
             tangents_structured_body_base(rows, count, hidden, width, Ut, coefficients, work))
}

void lyap_tangents_structured_f32(float *rows, int count, int hidden, int width, const float *Ut, const float *coefficients,
                                  float *work) {
    lyap_tangents_structured_f32_isa(2, rows, count, hidden, width, Ut, coefficients, work);
}

float lyap_dot_f32(const float *a, const float *b, int n) {
    float r = 0;
    DISPATCH(use_isa(), n, r = dot_avx512(a, b, n), r = dot_avx2(a, b, n), r = dot_body_base(a, b, n))
    return r;
}

void lyap_axpy_f32(float alpha, const float *x, float *y, int n) {
    DISPATCH(use_isa(), n, axpy_avx512(alpha, x, y, n), axpy_avx2(alpha, x, y, n), axpy_body_base(alpha, x, y, n))
}

void lyap_scale_f32(float s, float *y, int n) {
    DISPATCH(use_isa(), n, scale_avx512(s, y, n), scale_avx2(s, y, n), scale_body_base(s, y, n))
}

int lyap_gram_schmidt_f32_isa(int isa, float *rows, int k, int n, int from, double *norms) {
    int r = 0;
    DISPATCH(clamp_isa(isa), n, r = gs_avx512(rows, k, n, from, norms), r = gs_avx2(rows, k, n, from, norms),
             r = gram_schmidt_body_base(rows, k, n, from, norms))
    return r;
}

int lyap_gram_schmidt_f32(float *rows, int k, int n, int from, double *norms) {
    return lyap_gram_schmidt_f32_isa(2, rows, k, n, from, norms);
}

int lyap_block_mgs_f32_isa(int isa, float *rows, int k, int n, int from, double *norms) {
    int r = 0;
    DISPATCH(clamp_isa(isa), n, r = bmgs_avx512(rows, k, n, from, norms), r = bmgs_avx2(rows, k, n, from, norms),
             r = block_mgs_body_base(rows, k, n, from, norms))
    return r;
}

int lyap_block_mgs_f32(float *rows, int k, int n, int from, double *norms) {
    return lyap_block_mgs_f32_isa(2, rows, k, n, from, norms);
}

void lyap_sigmoid_f32_isa(int isa, const float *x, float *y, int n) {
    DISPATCH(clamp_isa(isa), n, sigmoid_avx512(x, y, n), sigmoid_avx2(x, y, n),
             for (int i = 0; i < n; i += 8) store_base(y + i, vsigmoid_base(load_base(x + i))))
}

void lyap_tanh_f32_isa(int isa, const float *x, float *y, int n) {
    DISPATCH(clamp_isa(isa), n, tanh_avx512(x, y, n), tanh_avx2(x, y, n),
             for (int i = 0; i < n; i += 8) store_base(y + i, vtanh_base(load_base(x + i))))
}

void lyap_sigmoid_f32(const float *x, float *y, int n) { lyap_sigmoid_f32_isa(2, x, y, n); }
void lyap_tanh_f32(const float *x, float *y, int n) { lyap_tanh_f32_isa(2, x, y, n); }
