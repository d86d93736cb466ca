/* The kernel bodies, included once per instruction set by kernels.c, which defines before each inclusion:
 * K(name) (a suffixed name), INLINE (with the target attribute), LANES (8 or 16), the vector types vf, vi,
 * vf_u (unaligned) of LANES floats / int32s, and LYAP_RCP (0: divide; 8: vrcpps; 16: vrcp14ps). */

INLINE vf K(load)(const float *p) { return *(const vf_u *)p; }
INLINE void K(store)(float *p, vf v) { *(vf_u *)p = v; }
INLINE vf K(splat)(float x) { vf z = {0}; return z + x; }
INLINE vf K(vmin)(vf a, vf b) { return __builtin_elementwise_min(a, b); }
INLINE vf K(vmax)(vf a, vf b) { return __builtin_elementwise_max(a, b); }

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

INLINE void K(step_body)(float *state, const float *products, const float *input, int cells, int tangents, int W,
                      float *k) {
    const int G = 4 * W, S = 2 * W;
    for (int r = 0; r < cells; r++) {
        float *h = state + r * S, *c = h + W;
        const float *a = products + r * G;
        const int coeffs = r == 0 && k != 0;
        for (int j = 0; j < W; j += LANES) {
            vf i = K(vsigmoid)(K(load)(a + j) + K(load)(input + j));
            vf f = K(vsigmoid)(K(load)(a + W + j) + K(load)(input + W + j));
            vf g = K(vtanh)(K(load)(a + 2 * W + j) + K(load)(input + 2 * W + j));
            vf o = K(vsigmoid)(K(load)(a + 3 * W + j) + K(load)(input + 3 * W + j));
            vf cOld = K(load)(c + j);
            vf cNew = f * cOld + i * g;
            vf tau = K(vtanh)(cNew);
            K(store)(c + j, cNew);
            K(store)(h + j, o * tau);
            if (coeffs) {
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
INLINE int K(gram_schmidt_body)(float *rows, int k, int n, int from, double *norms) {
    float r[256];
    for (int j = from; j < k; j++) {
        float *v = rows + j * n;
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < j; i++) r[i] = K(dot_body)(rows + i * n, v, n);
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
