/* The kernel bodies, included twice by kernels.c: with K(name) = name_avx2 and INLINE carrying
 * target("avx2,fma"), and with K(name) = name_base for the baseline target. */

INLINE v8f K(load)(const float *p) { return *(const v8f_u *)p; }
INLINE void K(store)(float *p, v8f v) { *(v8f_u *)p = v; }
INLINE v8f K(splat)(float x) { return (v8f){x, x, x, x, x, x, x, x}; }
INLINE v8f K(vmin)(v8f a, v8f b) { v8i m = a < b; return (v8f)((m & (v8i)a) | (~m & (v8i)b)); }
INLINE v8f K(vmax)(v8f a, v8f b) { v8i m = a > b; return (v8f)((m & (v8i)a) | (~m & (v8i)b)); }

/* Cephes expf as in LyapCPU's FloatVectorMath: Cody-Waite reduction by ln 2, degree-6 polynomial, about
 * 1 ulp; the argument is clamped so no input gives Inf or NaN. */
INLINE v8f K(vexp)(v8f x) {
    x = K(vmin)(K(vmax)(x, K(splat)(-87.3f)), K(splat)(88.3f));
    v8f shifted = x * K(splat)(1.44269504f) + K(splat)(12582912.0f);
    v8f n = shifted - K(splat)(12582912.0f);
    v8f r = x - n * K(splat)(0.693359375f);
    r = r - n * K(splat)(-2.12194440e-4f);
    v8f p = K(splat)(1.98756915e-4f);
    p = p * r + K(splat)(1.39819995e-3f);
    p = p * r + K(splat)(8.3334519e-3f);
    p = p * r + K(splat)(4.16657959e-2f);
    p = p * r + K(splat)(1.66666655e-1f);
    p = p * r + K(splat)(5.00000012e-1f);
    p = p * (r * r) + r + K(splat)(1.0f);
    v8i e = ((v8i)shifted - 0x4B400000 + 127) << 23;
    return p * (v8f)e;
}

/* 1/(1+e^-x): exact in relative terms for very negative x too (saturated forget gates keep their size). */
INLINE v8f K(vsigmoid)(v8f x) { return K(splat)(1.0f) / (K(splat)(1.0f) + K(vexp)(-x)); }

/* tanh as x·P(x²)/Q(x²) on x clamped to ±7.905 (where float tanh is ±1), the rational form Eigen and XLA
 * use for float; a few ulp, odd and accurate in relative terms near 0. */
INLINE v8f K(vtanh)(v8f x) {
    x = K(vmin)(K(vmax)(x, K(splat)(-7.90531110763549805f)), K(splat)(7.90531110763549805f));
    v8f x2 = x * x;
    v8f p = K(splat)(-2.76076847742355e-16f);
    p = p * x2 + K(splat)(2.00018790482477e-13f);
    p = p * x2 + K(splat)(-8.60467152213735e-11f);
    p = p * x2 + K(splat)(5.12229709037114e-08f);
    p = p * x2 + K(splat)(1.48572235717979e-05f);
    p = p * x2 + K(splat)(6.37261928875436e-04f);
    p = p * x2 + K(splat)(4.89352455891786e-03f);
    p = p * x;
    v8f q = K(splat)(1.19825839466702e-06f);
    q = q * x2 + K(splat)(1.18534705686654e-04f);
    q = q * x2 + K(splat)(2.26843463243900e-03f);
    q = q * x2 + K(splat)(4.89352518554385e-03f);
    return p / q;
}

INLINE void K(step_body)(float *state, const float *products, const float *input, int cells, int tangents, int W,
                      float *k) {
    const int G = 4 * W, S = 2 * W;
    for (int r = 0; r < cells; r++) {
        float *h = state + r * S, *c = h + W;
        const float *a = products + r * G;
        const int coeffs = r == 0 && k != 0;
        for (int j = 0; j < W; j += 8) {
            v8f i = K(vsigmoid)(K(load)(a + j) + K(load)(input + j));
            v8f f = K(vsigmoid)(K(load)(a + W + j) + K(load)(input + W + j));
            v8f g = K(vtanh)(K(load)(a + 2 * W + j) + K(load)(input + 2 * W + j));
            v8f o = K(vsigmoid)(K(load)(a + 3 * W + j) + K(load)(input + 3 * W + j));
            v8f cOld = K(load)(c + j);
            v8f cNew = f * cOld + i * g;
            v8f tau = K(vtanh)(cNew);
            K(store)(c + j, cNew);
            K(store)(h + j, o * tau);
            if (coeffs) {
                v8f one = K(splat)(1.0f);
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
    for (int j = 0; j < W; j += 8) {
        v8f ci = K(load)(k + j), cf = K(load)(k + W + j), cg = K(load)(k + 2 * W + j);
        v8f f = K(load)(k + 3 * W + j), co = K(load)(k + 4 * W + j), ch = K(load)(k + 5 * W + j);
        for (int r = cells; r < cells + tangents; r++) {
            float *dh = state + r * S, *dc = dh + W;
            const float *q = products + r * G;
            v8f c = f * K(load)(dc + j) + cf * K(load)(q + W + j) + ci * K(load)(q + j) + cg * K(load)(q + 2 * W + j);
            K(store)(dc + j, c);
            K(store)(dh + j, co * K(load)(q + 3 * W + j) + ch * c);
        }
    }
}

INLINE float K(dot_body)(const float *a, const float *b, int n) {
    v8f s0 = K(splat)(0), s1 = K(splat)(0);
    int x = 0;
    for (; x + 16 <= n; x += 16) {
        s0 += K(load)(a + x) * K(load)(b + x);
        s1 += K(load)(a + x + 8) * K(load)(b + x + 8);
    }
    for (; x < n; x += 8) s0 += K(load)(a + x) * K(load)(b + x);
    v8f s = s0 + s1;
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

INLINE void K(axpy_body)(float alpha, const float *x, float *y, int n) {
    v8f a = K(splat)(alpha);
    for (int i = 0; i < n; i += 8) K(store)(y + i, K(load)(y + i) + a * K(load)(x + i));
}

INLINE void K(scale_body)(float s, float *y, int n) {
    v8f a = K(splat)(s);
    for (int i = 0; i < n; i += 8) K(store)(y + i, a * K(load)(y + i));
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
            for (int x = 0; x < n; x += 8) {
                v8f acc = K(load)(v + x);
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
