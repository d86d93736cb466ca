#ifndef LYAP_KERNELS_H
#define LYAP_KERNELS_H

/* Float kernels of the stability analysis (LyapDynamics), written with clang vector extensions and built
 * twice: for AVX2+FMA (chosen at run time when the CPU has it) and for the baseline target. Swift's own
 * SIMD8<Float> code is compiled for baseline x86-64 (SSE2, no FMA), which halves the width of every op.
 * Every length (`width`, `n`) must be a multiple of 8. */

/* 1 when the AVX2+FMA versions run on this CPU, 0 for the baseline versions. */
int lyap_kernels_avx2(void);

/* One LSTM cell update of one lane fused with the tangent update (LyapDynamics/TangentKernel.swift has the
 * layout and the equations): rows 0..<cells of `state` are [h | c] (each `width` long), rows
 * cells..<cells+tangents are tangents [dh | dc]; `products` holds U·h of every row (4·width, gates i,f,g,o);
 * `input` (4·width) is added to the cell rows. With `coefficients` (6·width) non-NULL the base row's Jacobian
 * coefficients are written there and the tangent rows are updated with them. */
void lyap_step_f32(float *state, const float *products, const float *input, int cells, int tangents, int width,
                   float *coefficients);

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

/* The activations alone (for tests): y = sigmoid(x), y = tanh(x). */
void lyap_sigmoid_f32(const float *x, float *y, int n);
void lyap_tanh_f32(const float *x, float *y, int n);

#endif
