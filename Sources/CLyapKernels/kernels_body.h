/* The kernel bodies, included once per instruction set by kernels.c, which defines before each inclusion:
 * K(name) (a suffixed name), INLINE (with the target attribute), LANES (8 or 16), the vector types vf, vi,
 * vf_u (unaligned) of LANES floats / int32s, and LYAP_RCP (0: divide; 8: vrcpps; 16: vrcp14ps). */

INLINE vf K(load)(const float *p) { return *(const vf_u *)p; }
INLINE void K(store)(float *p, vf v) { *(vf_u *)p = v; }
/* A broadcast, not {0} + x: the compiler may not drop the + 0 (it turns -0 into +0), and an add per broadcast in the
 * products' inner loops cost a third of their time. */
INLINE vf K(splat)(float x) {
    vf v;
    for (int i = 0; i < LANES; i++) v[i] = x;
    return v;
}
INLINE vf K(vmin)(vf a, vf b) { return __builtin_elementwise_min(a, b); }
INLINE vf K(vmax)(vf a, vf b) { return __builtin_elementwise_max(a, b); }
INLINE vi K(iota)(void) { vi v; for (int i = 0; i < LANES; i++) v[i] = i; return v; }

/* Cephes expf as in LyapCPU's FloatVectorMath: Cody-Waite reduction by ln 2, degree-6 polynomial, about
 * 1 ulp; the argument is clamped so no input gives Inf or NaN. */
INLINE vf K(vexp)(vf x) {
    x = K(vmin)(K(vmax)(x, K(splat)(-87.3f)), K(splat)(88.3f));
    vf shifted = x * K(splat)(1.44269504f) + K(splat)(12582912.0f);
    vf n = shifted - K(splat)(12582912.0f);
    vf r = x - n * K(splat)(0.693359375f);
    r = r - n * K(splat)(-2.12194440e-4f);
    vf p = K(splat)(1.98756915e-4f);
    p = p * r + K(splat)(1.39819995e-3f);
    p = p * r + K(splat)(8.3334519e-3f);
    p = p * r + K(splat)(4.16657959e-2f);
    p = p * r + K(splat)(1.66666655e-1f);
    p = p * r + K(splat)(5.00000012e-1f);
    p = p * (r * r) + r + K(splat)(1.0f);
    vi e = ((vi)shifted - 0x4B400000 + 127) << 23;
    return p * (vf)e;
}

/* 1/d. With AVX the division (a few per unit, the bottleneck of the cell update) becomes vrcpps plus one
 * Newton step, within about 2 ulp; d here is in [4.9e-3, 1.7e38] (tanh's denominator, 1 + e^-x). */
INLINE vf K(recip)(vf d) {
#if LYAP_RCP == 8
    vf r = (vf)_mm256_rcp_ps((__m256)d);
    return r * (K(splat)(2.0f) - d * r);
#elif LYAP_RCP == 16
    vf r = (vf)_mm512_rcp14_ps((__m512)d);
    return r * (K(splat)(2.0f) - d * r);
#else
    return K(splat)(1.0f) / d;
#endif
}

/* 1/(1+e^-x): exact in relative terms for very negative x too (saturated forget gates keep their size). */
INLINE vf K(vsigmoid)(vf x) { return K(recip)(K(splat)(1.0f) + K(vexp)(-x)); }

/* tanh as x·P(x²)/Q(x²) on x clamped to ±7.905 (where float tanh is ±1), the rational form Eigen and XLA
 * use for float; a few ulp, odd and accurate in relative terms near 0. */
INLINE vf K(vtanh)(vf x) {
    x = K(vmin)(K(vmax)(x, K(splat)(-7.90531110763549805f)), K(splat)(7.90531110763549805f));
    vf x2 = x * x;
    vf p = K(splat)(-2.76076847742355e-16f);
    p = p * x2 + K(splat)(2.00018790482477e-13f);
    p = p * x2 + K(splat)(-8.60467152213735e-11f);
    p = p * x2 + K(splat)(5.12229709037114e-08f);
    p = p * x2 + K(splat)(1.48572235717979e-05f);
    p = p * x2 + K(splat)(6.37261928875436e-04f);
    p = p * x2 + K(splat)(4.89352455891786e-03f);
    p = p * x;
    vf q = K(splat)(1.19825839466702e-06f);
    q = q * x2 + K(splat)(1.18534705686654e-04f);
    q = q * x2 + K(splat)(2.26843463243900e-03f);
    q = q * x2 + K(splat)(4.89352518554385e-03f);
    return p * K(recip)(q);
}

/* 1 - tanh(x)^2 as 4t/(1+t)^2 with t = e^{-2|x|}: accurate in relative terms where tanh saturates, where
 * 1 - g*g of a Float g near ±1 keeps only a few bits (x = 6: 1 - tanh² = 2.5e-5, one Float ulp of 1 is 6e-8). */
INLINE vf K(sech2)(vf x) {
    vf t = K(vexp)(K(splat)(-2.0f) * K(vmax)(x, -x));
    vf d = K(splat)(1.0f) + t;
    return K(splat)(4.0f) * t * K(recip)(d * d);
}

/* With `accurate` (a constant) the base row's coefficients avoid the cancellation of 1 - σ and 1 - tanh² in
 * Float for saturated gates: σ' = σ·(σ·e^{-x}) (1 - σ = σ·e^{-x} exactly) and 1 - tanh² by `sech2`. The
 * Jacobian's smallest entries then keep their relative accuracy, which the bottom of a full spectrum
 * (exponents near ln σ' or ln(1 - tanh²)) needs; `lyap_step_f32` keeps the plain form (accurate = 0). */
INLINE void K(step_body_ex)(float *state, const float *products, const float *input, int cells, int tangents, int W,
                      float *k, int accurate) {
    const int G = 4 * W, S = 2 * W;
    for (int r = 0; r < cells; r++) {
        float *h = state + r * S, *c = h + W;
        const float *a = products + r * G;
        const int coeffs = r == 0 && k != 0;
        for (int j = 0; j < W; j += LANES) {
            vf xi = K(load)(a + j) + K(load)(input + j), xf = K(load)(a + W + j) + K(load)(input + W + j);
            vf xg = K(load)(a + 2 * W + j) + K(load)(input + 2 * W + j), xo = K(load)(a + 3 * W + j) + K(load)(input + 3 * W + j);
            vf i = K(vsigmoid)(xi);
            vf f = K(vsigmoid)(xf);
            vf g = K(vtanh)(xg);
            vf o = K(vsigmoid)(xo);
            vf cOld = K(load)(c + j);
            vf cNew = f * cOld + i * g;
            vf tau = K(vtanh)(cNew);
            K(store)(c + j, cNew);
            K(store)(h + j, o * tau);
            if (coeffs && accurate) {
                /* The sigmoids again with their e^{-x}, so 1 - σ = σ·e^{-x}. */
                vf ei = K(vexp)(-xi), ef = K(vexp)(-xf), eo = K(vexp)(-xo);
                K(store)(k + j, g * (i * (i * ei)));
                K(store)(k + W + j, cOld * (f * (f * ef)));
                K(store)(k + 2 * W + j, i * K(sech2)(xg));
                K(store)(k + 3 * W + j, f);
                K(store)(k + 4 * W + j, tau * (o * (o * eo)));
                K(store)(k + 5 * W + j, o * K(sech2)(cNew));
            } else if (coeffs) {
                vf one = K(splat)(1.0f);
                K(store)(k + j, g * (i * (one - i)));
                K(store)(k + W + j, cOld * (f * (one - f)));
                K(store)(k + 2 * W + j, i * (one - g * g));
                K(store)(k + 3 * W + j, f);
                K(store)(k + 4 * W + j, tau * (o * (one - o)));
                K(store)(k + 5 * W + j, o * (one - tau * tau));
            }
        }
    }
    if (tangents <= 0 || k == 0) return;
    for (int j = 0; j < W; j += LANES) {
        vf ci = K(load)(k + j), cf = K(load)(k + W + j), cg = K(load)(k + 2 * W + j);
        vf f = K(load)(k + 3 * W + j), co = K(load)(k + 4 * W + j), ch = K(load)(k + 5 * W + j);
        for (int r = cells; r < cells + tangents; r++) {
            float *dh = state + r * S, *dc = dh + W;
            const float *q = products + r * G;
            vf c = f * K(load)(dc + j) + cf * K(load)(q + W + j) + ci * K(load)(q + j) + cg * K(load)(q + 2 * W + j);
            K(store)(dc + j, c);
            K(store)(dh + j, co * K(load)(q + 3 * W + j) + ch * c);
        }
    }
}

INLINE void K(step_body)(float *state, const float *products, const float *input, int cells, int tangents, int W,
                      float *k) {
    K(step_body_ex)(state, products, input, cells, tangents, W, k, 0);
}

/* Horizontal sum by halving (a tree, not a chain of LANES dependent adds). */
INLINE float K(hsum)(vf s) {
#if LANES == 16
    vf8 h8 = __builtin_shufflevector(s, s, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(s, s, 8, 9, 10, 11, 12, 13, 14, 15);
#else
    vf8 h8 = s;
#endif
    vf4 h4 = __builtin_shufflevector(h8, h8, 0, 1, 2, 3) + __builtin_shufflevector(h8, h8, 4, 5, 6, 7);
    return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

INLINE float K(dot_body)(const float *a, const float *b, int n) {
    vf s0 = K(splat)(0), s1 = K(splat)(0);
    int x = 0;
    for (; x + 2 * LANES <= n; x += 2 * LANES) {
        s0 += K(load)(a + x) * K(load)(b + x);
        s1 += K(load)(a + x + LANES) * K(load)(b + x + LANES);
    }
    for (; x < n; x += LANES) s0 += K(load)(a + x) * K(load)(b + x);
    return K(hsum)(s0 + s1);
}

INLINE void K(axpy_body)(float alpha, const float *x, float *y, int n) {
    vf a = K(splat)(alpha);
    for (int i = 0; i < n; i += LANES) K(store)(y + i, K(load)(y + i) + a * K(load)(x + i));
}

INLINE void K(scale_body)(float s, float *y, int n) {
    vf a = K(splat)(s);
    for (int i = 0; i < n; i += LANES) K(store)(y + i, a * K(load)(y + i));
}


/* Classical Gram–Schmidt twice on rows from..<k (rows 0..<from already orthonormal): for each row, all its
 * projections are formed in one pass and subtracted, then again; then it is normalised. The norm is written to
 * norms[j] (computed in Double when the Float sum of squares is outside [1e-30, 1e30]). Returns the first row
 * whose norm is zero, subnormal or not finite (left unnormalised), or k. */
INLINE void K(dots4)(const float *q, int m, const float *v, int n, float *out);
/* With `batched` (a constant), the projections of each row are formed four at a time (`dots4`): the same
 * factorisation, not bitwise the same rounding; `lyap_gram_schmidt_f32` keeps batched = 0. */
INLINE int K(cgs2_rows)(float *rows, int k, int n, int from, double *norms, int batched) {
    float r[256];
    for (int j = from; j < k; j++) {
        float *v = rows + j * n;
        for (int pass = 0; pass < 2; pass++) {
            if (batched) K(dots4)(rows, j, v, n, r);
            else for (int i = 0; i < j; i++) r[i] = K(dot_body)(rows + i * n, v, n);
            for (int x = 0; x < n; x += LANES) {
                vf acc = K(load)(v + x);
                for (int i = 0; i < j; i++) acc -= K(splat)(r[i]) * K(load)(rows + i * n + x);
                K(store)(v + x, acc);
            }
        }
        float ss = K(dot_body)(v, v, n);
        double norm;
        if (ss >= 1e-30f && ss <= 1e30f) {
            norm = __builtin_sqrt((double)ss);
        } else {
            double s = 0;
            for (int x = 0; x < n; x++) s += (double)v[x] * (double)v[x];
            norm = __builtin_sqrt(s);
        }
        norms[j] = norm;
        if (!(norm >= 1.17549435e-38) || norm > 3.40282347e38) return j;
        K(scale_body)((float)(1.0 / norm), v, n);
    }
    return k;
}

INLINE int K(gram_schmidt_body)(float *rows, int k, int n, int from, double *norms) {
    return K(cgs2_rows)(rows, k, n, from, norms, 0);
}

/* The four horizontal sums of a, b, c, d, written to out[0..3] (a transposing tree of shuffles). */
INLINE void K(hsum4)(vf a, vf b, vf c, vf d, float *out) {
#if LANES == 16
    vf8 a8 = __builtin_shufflevector(a, a, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15);
    vf8 b8 = __builtin_shufflevector(b, b, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(b, b, 8, 9, 10, 11, 12, 13, 14, 15);
    vf8 c8 = __builtin_shufflevector(c, c, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(c, c, 8, 9, 10, 11, 12, 13, 14, 15);
    vf8 d8 = __builtin_shufflevector(d, d, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(d, d, 8, 9, 10, 11, 12, 13, 14, 15);
#else
    vf8 a8 = a, b8 = b, c8 = c, d8 = d;
#endif
    vf8 ab = __builtin_shufflevector(a8, b8, 0, 2, 8, 10, 4, 6, 12, 14) + __builtin_shufflevector(a8, b8, 1, 3, 9, 11, 5, 7, 13, 15);
    vf8 cd = __builtin_shufflevector(c8, d8, 0, 2, 8, 10, 4, 6, 12, 14) + __builtin_shufflevector(c8, d8, 1, 3, 9, 11, 5, 7, 13, 15);
    vf8 t = __builtin_shufflevector(ab, cd, 0, 2, 8, 10, 4, 6, 12, 14) + __builtin_shufflevector(ab, cd, 1, 3, 9, 11, 5, 7, 13, 15);
    vf4 s = __builtin_shufflevector(t, t, 0, 1, 2, 3) + __builtin_shufflevector(t, t, 4, 5, 6, 7);
    out[0] = s[0]; out[1] = s[1]; out[2] = s[2]; out[3] = s[3];
}

/* out[i] = q_i·v for the m rows q_i of q (stride n), four rows at a time (four independent chains). */
INLINE void K(dots4)(const float *q, int m, const float *v, int n, float *out) {
    int i = 0;
    for (; i + 4 <= m; i += 4) {
        const float *q0 = q + i * n, *q1 = q0 + n, *q2 = q1 + n, *q3 = q2 + n;
        vf a0 = K(splat)(0), a1 = a0, a2 = a0, a3 = a0;
        for (int e = 0; e < n; e += LANES) {
            vf y = K(load)(v + e);
            a0 += K(load)(q0 + e) * y; a1 += K(load)(q1 + e) * y; a2 += K(load)(q2 + e) * y; a3 += K(load)(q3 + e) * y;
        }
        K(hsum4)(a0, a1, a2, a3, out + i);
    }
    for (; i < m; i++) out[i] = K(dot_body)(q + i * n, v, n);
}

/* Rows per panel of the block modified Gram–Schmidt below. */
#define GS_PANEL 8

/* The tangent update of `step_body_ex` for many tangents, by the Jacobian's structure: the gates depend on h only,
 * so the four gate products q = U·δh enter δc' only through B = diag(c_i)·U_i + diag(c_f)·U_f + diag(c_g)·U_g
 * (H×H), formed once per step; then per tangent row
 *   δc' = f ⊙ δc + B·δh,   δh' = (τ⊙o') ⊙ (U_o·δh) + (o⊙τ') ⊙ δc',
 * two H×H products per row instead of the four of U·δh. Bt = [U_oᵀ | Bᵀ] (H rows of ldb = 2W + 16) is built in
 * `work` and the rows are done six at a time, each row block's product kept in `work` until its rows are
 * rewritten in place. Padded units (j >= H) stay exactly 0. */
#define TS_ROWS 6
INLINE void K(ts_tile)(const float *a, int lda, int nr, const float *b, int ldb, int K, int nv, float *out, int ldo) {
    /* out[r][0 .. nv·LANES) = Σ_k a[r][k] b[k][...] for nr <= 6 rows and nv <= 2 vectors: one FMA chain per element.
     * 6 × 2 accumulators, two b vectors and the broadcast fit the 16 AVX2 registers without a spill. */
    vf c[TS_ROWS][2];
    for (int r = 0; r < TS_ROWS; r++) for (int v = 0; v < 2; v++) c[r][v] = K(splat)(0);
    for (int k = 0; k < K; k++) {
        const float *bk = b + (long)k * ldb;
        vf b0 = K(load)(bk), b1 = nv > 1 ? K(load)(bk + LANES) : b0;
        for (int r = 0; r < nr; r++) {
            vf x = K(splat)(a[r * lda + k]);
            c[r][0] += x * b0;
            if (nv > 1) c[r][1] += x * b1;
        }
    }
    for (int r = 0; r < nr; r++) for (int v = 0; v < nv; v++) K(store)(out + r * ldo + v * LANES, c[r][v]);
}

INLINE void K(tangents_structured_body)(float *rows, int count, int H, int W, const float *Ut, const float *k, float *work) {
    const int S = 2 * W, ldb = 2 * W + 16, N = (2 * H + LANES - 1) / LANES * LANES;
    float *bt = work, *out = work + H * ldb;
    const float *ci = k, *cf = k + W, *cg = k + 2 * W, *f = k + 3 * W, *co = k + 4 * W, *ch = k + 5 * W;
    for (int m = 0; m < H; m++) {
        const float *u = Ut + m * 4 * W;  /* column m of U: gate blocks i, f, g, o, each W long */
        float *t = bt + m * ldb;
        for (int j = 0; j < H; j += LANES) K(store)(t + j, K(load)(u + 3 * W + j));
        for (int j = 0; j < H; j += LANES)
            K(store)(t + H + j, K(load)(ci + j) * K(load)(u + j) + K(load)(cf + j) * K(load)(u + W + j)
                                    + K(load)(cg + j) * K(load)(u + 2 * W + j));
    }
    for (int r0 = 0; r0 < count; r0 += TS_ROWS) {
        int nr = count - r0 < TS_ROWS ? count - r0 : TS_ROWS;
        float *a = rows + (long)r0 * S;
        int n = 0;
        if (nr == TS_ROWS) {
            for (; n + 2 * LANES <= N; n += 2 * LANES) K(ts_tile)(a, S, TS_ROWS, bt + n, ldb, H, 2, out + n, ldb);
            if (n < N) K(ts_tile)(a, S, TS_ROWS, bt + n, ldb, H, 1, out + n, ldb);
        } else {
            for (; n + 2 * LANES <= N; n += 2 * LANES) K(ts_tile)(a, S, nr, bt + n, ldb, H, 2, out + n, ldb);
            if (n < N) K(ts_tile)(a, S, nr, bt + n, ldb, H, 1, out + n, ldb);
        }
        for (int r = 0; r < nr; r++) {
            float *dh = a + r * S, *dc = dh + W;
            const float *p = out + r * ldb;
            for (int j = 0; j < H; j += LANES) {
                vf c = K(load)(f + j) * K(load)(dc + j) + K(load)(p + H + j);
                vf h = K(load)(co + j) * K(load)(p + j) + K(load)(ch + j) * c;
                if (j + LANES > H) {  /* the last group: padded units stay 0 */
                    vi live = K(iota)() < (H - j);
                    c = (vf)((vi)c & live);
                    h = (vf)((vi)h & live);
                }
                K(store)(dc + j, c);
                K(store)(dh + j, h);
            }
        }
    }
}

/* x_r -= Σ_{i<b} (q_i·x_r) q_i for the m rows x_r (stride n) against the b <= GS_PANEL orthonormal rows q_i of a
 * panel (stride n), two rows at a time where the panel is full (below), else one row at a time while it is in L1:
 * its b projections as b independent chains, then the subtraction, four vectors of columns at a time (each element
 * one chain over i in order). */
INLINE void K(project_panel)(const float *q, int b, float *x, int m, int n) {
    int r = 0;
    if (b == GS_PANEL && n % (2 * LANES) == 0) {
        /* Two rows at a time, half a panel at a time: each q vector loaded once serves both rows (0.75 loads per FMA
         * instead of 1.1). Each dot is still one chain over e in order and each element one chain over i in order,
         * so the bits are those of the one-row loop below. */
        for (; r + 2 <= m; r += 2) {
            float *v0 = x + (long)r * n, *v1 = v0 + n;
            float s0[GS_PANEL], s1[GS_PANEL];
            for (int h = 0; h < GS_PANEL; h += 4) {
                const float *q0 = q + h * n, *q1 = q0 + n, *q2 = q1 + n, *q3 = q2 + n;
                vf a0 = K(splat)(0), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
                for (int e = 0; e < n; e += LANES) {
                    vf y0 = K(load)(v0 + e), y1 = K(load)(v1 + e), t;
                    t = K(load)(q0 + e); a0 += t * y0; c0 += t * y1;
                    t = K(load)(q1 + e); a1 += t * y0; c1 += t * y1;
                    t = K(load)(q2 + e); a2 += t * y0; c2 += t * y1;
                    t = K(load)(q3 + e); a3 += t * y0; c3 += t * y1;
                }
                K(hsum4)(a0, a1, a2, a3, s0 + h);
                K(hsum4)(c0, c1, c2, c3, s1 + h);
            }
            for (int h = 0; h < GS_PANEL; h += 4) {
                vf w00 = K(splat)(s0[h]), w01 = K(splat)(s0[h + 1]), w02 = K(splat)(s0[h + 2]), w03 = K(splat)(s0[h + 3]);
                vf w10 = K(splat)(s1[h]), w11 = K(splat)(s1[h + 1]), w12 = K(splat)(s1[h + 2]), w13 = K(splat)(s1[h + 3]);
                const float *q0 = q + h * n, *q1 = q0 + n, *q2 = q1 + n, *q3 = q2 + n;
                for (int e = 0; e < n; e += 2 * LANES) {
                    vf a0 = K(load)(v0 + e), a1 = K(load)(v0 + e + LANES), c0 = K(load)(v1 + e), c1 = K(load)(v1 + e + LANES), t;
                    t = K(load)(q0 + e); a0 -= w00 * t; c0 -= w10 * t;
                    t = K(load)(q0 + e + LANES); a1 -= w00 * t; c1 -= w10 * t;
                    t = K(load)(q1 + e); a0 -= w01 * t; c0 -= w11 * t;
                    t = K(load)(q1 + e + LANES); a1 -= w01 * t; c1 -= w11 * t;
                    t = K(load)(q2 + e); a0 -= w02 * t; c0 -= w12 * t;
                    t = K(load)(q2 + e + LANES); a1 -= w02 * t; c1 -= w12 * t;
                    t = K(load)(q3 + e); a0 -= w03 * t; c0 -= w13 * t;
                    t = K(load)(q3 + e + LANES); a1 -= w03 * t; c1 -= w13 * t;
                    K(store)(v0 + e, a0); K(store)(v0 + e + LANES, a1); K(store)(v1 + e, c0); K(store)(v1 + e + LANES, c1);
                }
            }
        }
    }
    for (; r < m; r++) {
        float *v = x + (long)r * n;
        float s[GS_PANEL];
        if (b == GS_PANEL) {
            vf a[GS_PANEL];
            for (int i = 0; i < GS_PANEL; i++) a[i] = K(splat)(0);
            for (int e = 0; e < n; e += LANES) {
                vf y = K(load)(v + e);
                for (int i = 0; i < GS_PANEL; i++) a[i] += K(load)(q + i * n + e) * y;
            }
            K(hsum4)(a[0], a[1], a[2], a[3], s);
            K(hsum4)(a[4], a[5], a[6], a[7], s + 4);
        } else {
            for (int i = 0; i < b; i++) s[i] = K(dot_body)(q + i * n, v, n);
        }
        int e = 0;
        if (b == GS_PANEL) {
            vf w[GS_PANEL];
            for (int i = 0; i < GS_PANEL; i++) w[i] = K(splat)(s[i]);
            for (; e + 4 * LANES <= n; e += 4 * LANES) {
                vf a0 = K(load)(v + e), a1 = K(load)(v + e + LANES), a2 = K(load)(v + e + 2 * LANES), a3 = K(load)(v + e + 3 * LANES);
                for (int i = 0; i < GS_PANEL; i++) {
                    const float *qi = q + i * n + e;
                    a0 -= w[i] * K(load)(qi); a1 -= w[i] * K(load)(qi + LANES);
                    a2 -= w[i] * K(load)(qi + 2 * LANES); a3 -= w[i] * K(load)(qi + 3 * LANES);
                }
                K(store)(v + e, a0); K(store)(v + e + LANES, a1); K(store)(v + e + 2 * LANES, a2); K(store)(v + e + 3 * LANES, a3);
            }
        }
        for (; e < n; e += LANES) {
            vf a0 = K(load)(v + e);
            for (int i = 0; i < b; i++) a0 -= K(splat)(s[i]) * K(load)(q + i * n + e);
            K(store)(v + e, a0);
        }
    }
}

/* Right-looking block modified Gram–Schmidt, one pass, on rows from..<k (rows before `from` orthonormal already and
 * projected out of the rest): each panel of GS_PANEL rows is orthonormalised within itself (Gram–Schmidt twice,
 * `cgs2_rows`), then projected out of every later row at once. Like MGS its R is that of a nearby matrix even
 * where the rows lean on each other (Björck 1967; Jalby & Philippe 1991 for the block form), whereas a single
 * classical pass loses R_jj to the rounding of the earlier rows' projections; half the work of BCGS2, whose second
 * pass the full spectrum's graded rows always take. Returns k, or the first row whose norm was zero, subnormal or
 * not finite (earlier rows final; later rows partly projected, which a Gram–Schmidt from that row finishes). */
INLINE int K(block_mgs_body)(float *rows, int k, int n, int from, double *norms) {
    for (int j0 = from; j0 < k; j0 += GS_PANEL) {
        int b = k - j0 < GS_PANEL ? k - j0 : GS_PANEL;
        float *p = rows + (long)j0 * n;
        int stop = K(cgs2_rows)(p, b, n, 0, norms + j0, 1);
        if (stop != b) return j0 + stop;
        K(project_panel)(p, b, p + (long)b * n, k - j0 - b, n);
    }
    return k;
}
