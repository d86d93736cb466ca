#ifndef LYAP_KERNELS_H
#define LYAP_KERNELS_H

/* Float kernels of the stability analysis (LyapDynamics), written with clang vector extensions and built
 * three times: AVX-512 (16 lanes), AVX2+FMA (8 lanes) and the baseline target (8 lanes of SSE2 or NEON); the
 * widest one the CPU has and whose lane count divides the length is picked at run time. (Swift's own
 * SIMD8<Float> code is compiled for baseline x86-64: SSE2, no FMA.) Every length (`width`, `n`) must be a
 * multiple of 8; lengths that are multiples of `lyap_kernels_lanes()` use the widest variant. */

/* 2: AVX-512, 1: AVX2+FMA, 0: baseline. */
int lyap_kernels_isa(void);

/* 16 with AVX-512, else 8: pad widths to a multiple of this. */
int lyap_kernels_lanes(void);

/* One LSTM cell update of one lane fused with the tangent update (LyapDynamics/TangentKernel.swift has the
 * layout and the equations): rows 0..<cells of `state` are [h | c] (each `width` long), rows
 * cells..<cells+tangents are tangents [dh | dc]; `products` holds U·h of every row (4·width, gates i,f,g,o);
 * `input` (4·width) is added to the cell rows. With `coefficients` (6·width) non-NULL the base row's Jacobian
 * coefficients are written there and the tangent rows are updated with them. */
void lyap_step_f32(float *state, const float *products, const float *input, int cells, int tangents, int width,
                   float *coefficients);

/* The same with the base row's Jacobian coefficients free of the cancellation in 1 - σ and 1 - tanh² where gates
 * saturate (σ' = σ·σ·e^{-x}, 1 - tanh²(x) = 4t/(1+t)² with t = e^{-2|x|}): what the bottom of a full spectrum
 * needs. The cell update is lyap_step_f32's, bitwise. */
void lyap_step_accurate_f32(float *state, const float *products, const float *input, int cells, int tangents, int width,
                            float *coefficients);
void lyap_step_accurate_f32_isa(int isa, float *state, const float *products, const float *input, int cells, int tangents,
                                int width, float *coefficients);

/* The training pass's cell update of one row (LyapCPU's FloatVectorMath.cellStep, bitwise): `row` holds the 4H
 * gate pre-activations (i, f, g, o), replaced by the activations; cNow, tNow (tanh c) and hNow get the new state;
 * cPrev NULL means c = 0. Runs with AVX2 and returns 1; otherwise does nothing and returns 0. */
int lyap_cell_step_f32(float *row, const float *cPrev, float *cNow, float *tNow, float *hNow, int H);

/* The backward's gate deltas of one row (LyapCPU's LSTMBackward.cellBack, bitwise): drow (4H) from the
 * activations in `row`, tanh c in tNow, c_{t-1} in cPrev (NULL: 0) and eps_h in eh; eps_c in ec is updated in
 * place. Runs with AVX2 and returns 1; otherwise does nothing and returns 0. */
int lyap_cell_back_f32(const float *row, float *drow, const float *tNow, const float *cPrev, const float *eh, float *ec, int H);

/* The tangent half of lyap_step_accurate_f32 (given the base row's `coefficients`, 6·width) for `count` tangent rows
 * [dh | dc] (each 2·width, contiguous) by the Jacobian's structure: B = Σ_{i,f,g} diag(coefficient)·U_gate (H×H) is
 * formed once, then each row costs the two H×H products U_o·dh and B·dh instead of the four gate products.
 * Ut is Uᵀ restricted to the real columns, [hidden][4·width] (CellWeights.recurrentTransposed). `work` holds
 * lyap_tangents_structured_f32_work(hidden, width) floats, zeroed once by the caller. Same equations as the
 * four-product form, other rounding. */
void lyap_tangents_structured_f32(float *rows, int count, int hidden, int width, const float *Ut, const float *coefficients,
                                  float *work);
void lyap_tangents_structured_f32_isa(int isa, float *rows, int count, int hidden, int width, const float *Ut,
                                      const float *coefficients, float *work);
static inline int lyap_tangents_structured_f32_work(int hidden, int width) { return (hidden + 6) * (2 * width + 16); }

/* C[r][n] = sum over k < K of A[r][k] * Bt[k][n] for r < M, n < N (row-major, leading dimensions lda, ldc;
 * Bt is K×N contiguous). Runs only with AVX-512 and N a multiple of 64, returning 1; otherwise does nothing and
 * returns 0 (use BLAS). Each element is one FMA chain over k in order, whatever M, N and the tiling. */
int lyap_products_f32(const float *A, int M, int lda, const float *Bt, int K, int N, float *C, int ldc);

/* lyap_products_any_f32 with a contiguous Bt (ldb = N) for N a multiple of 16: the AVX-512 or AVX2 tiles, each
 * element one FMA chain over k in order; returns 0 (use BLAS) otherwise. Only the analysis' many-tangent path
 * calls it, so results elsewhere (BLAS on AVX2 machines) stay as they were. */
int lyap_products_wide_f32(const float *A, int M, int lda, const float *Bt, int K, int N, float *C, int ldc);

/* The same with Bt's row stride ldb (so a column block of a wider matrix can be used), N a multiple of 16
 * (panels of 64 columns, then of 16), and with accumulate non-zero C += A·Bt, each element's chain starting
 * from its old value. Returns 0 without AVX-512 or when 16 does not divide N. The CPU training backend uses
 * it for the per-step recurrent products. */
int lyap_products_ex_f32(const float *A, int M, int lda, const float *Bt, int ldb, int K, int N, float *C, int ldc,
                         int accumulate);
/* lyap_products_ex_f32 that also runs on AVX2 CPUs (N a multiple of 8 there; 16 with AVX-512): the shared
 * pad prefix's products. Returns 0 (nothing done) where neither applies. */
int lyap_products_any_f32(const float *A, int M, int lda, const float *Bt, int ldb, int K, int N, float *C, int ldc,
                          int accumulate);

/* The Double counterparts (no transcendentals; the Double gates stay with libm in Swift). Lengths must be
 * multiples of 4 (8 for the AVX-512 variants, which are picked when they divide). lyap_products_f64 runs with
 * AVX-512 and N a multiple of 32, else returns 0. lyap_tangents_f64 is the tangent part of lyap_step_f32 given
 * the base row's coefficients. */
int lyap_products_f64(const double *A, int M, int lda, const double *Bt, int K, int N, double *C, int ldc);
void lyap_tangents_f64(double *state, const double *products, int cells, int tangents, int width,
                       const double *coefficients);
int lyap_gram_schmidt_f64(double *rows, int k, int n, int from, double *norms);
void lyap_tangents_f64_isa(int isa, double *state, const double *products, int cells, int tangents, int width,
                           const double *coefficients);
int lyap_gram_schmidt_f64_isa(int isa, double *rows, int k, int n, int from, double *norms);

/* Sum of a[i]*b[i], eight partial sums. */
float lyap_dot_f32(const float *a, const float *b, int n);

/* y += alpha * x */
void lyap_axpy_f32(float alpha, const float *x, float *y, int n);

/* y = scale * y */
void lyap_scale_f32(float scale, float *y, int n);

/* Orthonormalises rows from..<k (each n long, k <= 256; rows 0..<from orthonormal already) by classical
 * Gram–Schmidt with one reorthogonalisation pass, writing each row's norm before normalisation to norms[j].
 * Stops at the first row whose norm is zero, subnormal or not finite and returns its index (k if none). */
int lyap_gram_schmidt_f32(float *rows, int k, int n, int from, double *norms);

/* The same factorisation by right-looking block modified Gram–Schmidt, one pass: each panel of 8 rows is
 * orthonormalised within itself (Gram–Schmidt twice) and then projected out of every later row; R is MGS's
 * (backward stable), Q orthonormal to about ε·κ. Returns k, or the first row whose norm was zero, subnormal or not finite (rows before it final; finish
 * with lyap_gram_schmidt_f32 from there). Any k and n (n a multiple of 8). */
int lyap_block_mgs_f32(float *rows, int k, int n, int from, double *norms);
int lyap_block_mgs_f32_isa(int isa, float *rows, int k, int n, int from, double *norms);

/* The Double many-tangent kernels, the same algorithms as their Float counterparts above (the full spectrum in
 * float64): structured tangents (work: lyap_tangents_structured_f32_work(hidden, width) doubles, zeroed once; width
 * a multiple of 4) and block modified Gram–Schmidt (n a multiple of 4; finish with lyap_gram_schmidt_f64). */
void lyap_tangents_structured_f64(double *rows, int count, int hidden, int width, const double *Ut,
                                  const double *coefficients, double *work);
void lyap_tangents_structured_f64_isa(int isa, double *rows, int count, int hidden, int width, const double *Ut,
                                      const double *coefficients, double *work);
int lyap_block_mgs_f64(double *rows, int k, int n, int from, double *norms);
int lyap_block_mgs_f64_isa(int isa, double *rows, int k, int n, int from, double *norms);

/* The activations alone (for tests): y = sigmoid(x), y = tanh(x). */
void lyap_sigmoid_f32(const float *x, float *y, int n);
void lyap_tanh_f32(const float *x, float *y, int n);

/* The same kernels with the instruction set capped at `isa` (2, 1, 0; never above what the CPU has), so tests
 * can check every variant a machine can run. */
void lyap_step_f32_isa(int isa, float *state, const float *products, const float *input, int cells, int tangents,
                       int width, float *coefficients);
int lyap_gram_schmidt_f32_isa(int isa, float *rows, int k, int n, int from, double *norms);
int lyap_products_any_f32_isa(int isa, const float *A, int M, int lda, const float *Bt, int ldb, int K, int N, float *C,
                              int ldc, int accumulate);
void lyap_sigmoid_f32_isa(int isa, const float *x, float *y, int n);
void lyap_tanh_f32_isa(int isa, const float *x, float *y, int n);

#endif
