/* Double kernels, included once per instruction set by kernels.c with KD(name), INLINE, LANESD (4 or 8) and
 * the vector types vd, vd_u of LANESD doubles. No transcendental functions here: the Double path keeps libm's
 * exp and tanh for the gates (it is the oracle) and uses these for the linear algebra around them. */

INLINE vd KD(load)(const double *p) { return *(const vd_u *)p; }
INLINE void KD(store)(double *p, vd v) { *(vd_u *)p = v; }
INLINE vd KD(splat)(double x) { vd z = {0}; return z + x; }

INLINE double KD(hsum)(vd s) {
    double t = 0;
    for (int i = 0; i < LANESD; i++) t += s[i];
    return t;
}

INLINE double KD(dot)(const double *a, const double *b, int n) {
    vd s0 = KD(splat)(0), s1 = KD(splat)(0);
    int x = 0;
    for (; x + 2 * LANESD <= n; x += 2 * LANESD) {
        s0 += KD(load)(a + x) * KD(load)(b + x);
        s1 += KD(load)(a + x + LANESD) * KD(load)(b + x + LANESD);
    }
    for (; x < n; x += LANESD) s0 += KD(load)(a + x) * KD(load)(b + x);
    return KD(hsum)(s0 + s1);
}

/* The tangent rows of one lane (see lyap_step_f32), given the base row's coefficients. */
INLINE void KD(tangents_body)(double *state, const double *products, int cells, int tangents, int W, const double *k) {
    const int G = 4 * W, S = 2 * W;
    for (int j = 0; j < W; j += LANESD) {
        vd ci = KD(load)(k + j), cf = KD(load)(k + W + j), cg = KD(load)(k + 2 * W + j);
        vd f = KD(load)(k + 3 * W + j), co = KD(load)(k + 4 * W + j), ch = KD(load)(k + 5 * W + j);
        for (int r = cells; r < cells + tangents; r++) {
            double *dh = state + r * S, *dc = dh + W;
            const double *q = products + r * G;
            vd c = f * KD(load)(dc + j) + cf * KD(load)(q + W + j) + ci * KD(load)(q + j) + cg * KD(load)(q + 2 * W + j);
            KD(store)(dc + j, c);
            KD(store)(dh + j, co * KD(load)(q + 3 * W + j) + ch * c);
        }
    }
}

/* As lyap_gram_schmidt_f32, in Double (norms from the Double sum of squares). */
INLINE int KD(gram_schmidt_body)(double *rows, int k, int n, int from, double *norms) {
    double r[256];
    for (int j = from; j < k; j++) {
        double *v = rows + j * n;
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < j; i++) r[i] = KD(dot)(rows + i * n, v, n);
            for (int x = 0; x < n; x += LANESD) {
                vd acc = KD(load)(v + x);
                for (int i = 0; i < j; i++) acc -= KD(splat)(r[i]) * KD(load)(rows + i * n + x);
                KD(store)(v + x, acc);
            }
        }
        double norm = __builtin_sqrt(KD(dot)(v, v, n));
        norms[j] = norm;
        if (!(norm >= 2.2250738585072014e-308) || norm > 1.7976931348623157e308) return j;
        vd s = KD(splat)(1.0 / norm);
        for (int x = 0; x < n; x += LANESD) KD(store)(v + x, s * KD(load)(v + x));
    }
    return k;
}
