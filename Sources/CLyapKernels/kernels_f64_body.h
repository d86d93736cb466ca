/* Double kernels, included once per instruction set by kernels.c with KD(name), INLINE, LANESD (4 or 8) and
 * the vector types vd, vd_u of LANESD doubles. No transcendental functions here: the Double path keeps libm's
 * exp and tanh for the gates (it is the oracle) and uses these for the linear algebra around them. */

INLINE vd KD(load)(const double *p) { return *(const vd_u *)p; }
INLINE void KD(store)(double *p, vd v) { *(vd_u *)p = v; }
/* A broadcast (see K(splat) in kernels_body.h for why not {0} + x). */
INLINE vd KD(splat)(double x) {
    vd v;
    for (int i = 0; i < LANESD; i++) v[i] = x;
    return v;
}

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

/* The many-tangent update by the Jacobian's structure (as tangents_structured_body of kernels_body.h), in Double:
 * Bt = [U_oᵀ | Bᵀ] (H rows of ldb = 2W + 16) with B = diag(c_i)U_i + diag(c_f)U_f + diag(c_g)U_g formed once per
 * step in `work`, then per tangent row δc' = f ⊙ δc + B·δh and δh' = (τ⊙o') ⊙ (U_o·δh) + (o⊙τ') ⊙ δc', six rows
 * at a time (6 × 2 accumulators, two B vectors and the broadcast: 15 of the 16 AVX2 registers). Padded units
 * (j >= H) are never written and stay 0. */
#define TSD_ROWS 6
INLINE void KD(tsd_tile)(const double *a, int lda, int nr, const double *b, int ldb, int K, int nv, double *out, int ldo) {
    vd c[TSD_ROWS][2];
    for (int r = 0; r < TSD_ROWS; r++) for (int v = 0; v < 2; v++) c[r][v] = KD(splat)(0);
    for (int k = 0; k < K; k++) {
        const double *bk = b + (long)k * ldb;
        vd b0 = KD(load)(bk), b1 = nv > 1 ? KD(load)(bk + LANESD) : b0;
        for (int r = 0; r < nr; r++) {
            vd x = KD(splat)(a[r * lda + k]);
            c[r][0] += x * b0;
            if (nv > 1) c[r][1] += x * b1;
        }
    }
    for (int r = 0; r < nr; r++) for (int v = 0; v < nv; v++) KD(store)(out + r * ldo + v * LANESD, c[r][v]);
}

INLINE void KD(tangents_structured_body)(double *rows, int count, int H, int W, const double *Ut, const double *k,
                                         double *work) {
    const int S = 2 * W, ldb = 2 * W + 16, N = (2 * H + LANESD - 1) / LANESD * LANESD;
    double *bt = work, *out = work + H * ldb;
    const double *ci = k, *cf = k + W, *cg = k + 2 * W, *f = k + 3 * W, *co = k + 4 * W, *ch = k + 5 * W;
    for (int m = 0; m < H; m++) {
        const double *u = Ut + m * 4 * W;  /* column m of U: gate blocks i, f, g, o, each W long */
        double *t = bt + m * ldb;
        for (int j = 0; j < H; j++) t[j] = u[3 * W + j];
        for (int j = 0; j < H; j++) t[H + j] = ci[j] * u[j] + cf[j] * u[W + j] + cg[j] * u[2 * W + j];
        for (int j = 2 * H; j < N; j++) t[j] = 0;
    }
    for (int r0 = 0; r0 < count; r0 += TSD_ROWS) {
        int nr = count - r0 < TSD_ROWS ? count - r0 : TSD_ROWS;
        double *a = rows + (long)r0 * S;
        int n = 0;
        if (nr == TSD_ROWS) {
            for (; n + 2 * LANESD <= N; n += 2 * LANESD) KD(tsd_tile)(a, S, TSD_ROWS, bt + n, ldb, H, 2, out + n, ldb);
            if (n < N) KD(tsd_tile)(a, S, TSD_ROWS, bt + n, ldb, H, 1, out + n, ldb);
        } else {
            for (; n + 2 * LANESD <= N; n += 2 * LANESD) KD(tsd_tile)(a, S, nr, bt + n, ldb, H, 2, out + n, ldb);
            if (n < N) KD(tsd_tile)(a, S, nr, bt + n, ldb, H, 1, out + n, ldb);
        }
        for (int r = 0; r < nr; r++) {
            double *dh = a + r * S, *dc = dh + W;
            const double *p = out + r * ldb;
            int j = 0;
            for (; j + LANESD <= H; j += LANESD) {
                vd c = KD(load)(f + j) * KD(load)(dc + j) + KD(load)(p + H + j);
                KD(store)(dc + j, c);
                KD(store)(dh + j, KD(load)(co + j) * KD(load)(p + j) + KD(load)(ch + j) * c);
            }
            for (; j < H; j++) {
                double c = f[j] * dc[j] + p[H + j];
                dc[j] = c;
                dh[j] = co[j] * p[j] + ch[j] * c;
            }
        }
    }
}

/* x_r -= Σ_{i<b} (q_i·x_r) q_i for the m rows x_r against the b orthonormal rows q_i of a panel (as project_panel of
 * kernels_body.h): two rows at a time, each q vector loaded once for both, each dot one chain per lane over e. */
#define GSD_PANEL 8
INLINE void KD(project_panel)(const double *q, int b, double *x, int m, int n) {
    int r = 0;
    for (; r + 2 <= m; r += 2) {
        double *v0 = x + (long)r * n, *v1 = v0 + n;
        double s0[GSD_PANEL], s1[GSD_PANEL];
        for (int h = 0; h < b; h += 4) {
            int hb = b - h < 4 ? b - h : 4;
            if (hb == 4) {  /* the full half-panel with constant indices, so the eight accumulators stay in registers */
                const double *q0 = q + (long)h * n, *q1 = q0 + n, *q2 = q1 + n, *q3 = q2 + n;
                vd a0 = KD(splat)(0), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0, t;
                for (int e = 0; e < n; e += LANESD) {
                    vd y0 = KD(load)(v0 + e), y1 = KD(load)(v1 + e);
                    t = KD(load)(q0 + e); a0 += t * y0; c0 += t * y1;
                    t = KD(load)(q1 + e); a1 += t * y0; c1 += t * y1;
                    t = KD(load)(q2 + e); a2 += t * y0; c2 += t * y1;
                    t = KD(load)(q3 + e); a3 += t * y0; c3 += t * y1;
                }
                s0[h] = KD(hsum)(a0); s0[h + 1] = KD(hsum)(a1); s0[h + 2] = KD(hsum)(a2); s0[h + 3] = KD(hsum)(a3);
                s1[h] = KD(hsum)(c0); s1[h + 1] = KD(hsum)(c1); s1[h + 2] = KD(hsum)(c2); s1[h + 3] = KD(hsum)(c3);
                continue;
            }
            vd a[4], c[4];
            for (int i = 0; i < 4; i++) { a[i] = KD(splat)(0); c[i] = a[i]; }
            for (int e = 0; e < n; e += LANESD) {
                vd y0 = KD(load)(v0 + e), y1 = KD(load)(v1 + e);
                for (int i = 0; i < hb; i++) {
                    vd t = KD(load)(q + (long)(h + i) * n + e);
                    a[i] += t * y0;
                    c[i] += t * y1;
                }
            }
            for (int i = 0; i < hb; i++) { s0[h + i] = KD(hsum)(a[i]); s1[h + i] = KD(hsum)(c[i]); }
        }
        if (b == GSD_PANEL && n % (2 * LANESD) == 0) {
            /* Half a panel at a time with its eight broadcasts in registers, two vectors of columns per step: each
             * element is still one chain over i in order (the half-panel boundary only stores and reloads it). */
            for (int h = 0; h < GSD_PANEL; h += 4) {
                vd w00 = KD(splat)(s0[h]), w01 = KD(splat)(s0[h + 1]), w02 = KD(splat)(s0[h + 2]), w03 = KD(splat)(s0[h + 3]);
                vd w10 = KD(splat)(s1[h]), w11 = KD(splat)(s1[h + 1]), w12 = KD(splat)(s1[h + 2]), w13 = KD(splat)(s1[h + 3]);
                const double *q0 = q + (long)h * n, *q1 = q0 + n, *q2 = q1 + n, *q3 = q2 + n;
                for (int e = 0; e < n; e += 2 * LANESD) {
                    vd a0 = KD(load)(v0 + e), a1 = KD(load)(v0 + e + LANESD), c0 = KD(load)(v1 + e), c1 = KD(load)(v1 + e + LANESD), t;
                    t = KD(load)(q0 + e); a0 -= w00 * t; c0 -= w10 * t;
                    t = KD(load)(q0 + e + LANESD); a1 -= w00 * t; c1 -= w10 * t;
                    t = KD(load)(q1 + e); a0 -= w01 * t; c0 -= w11 * t;
                    t = KD(load)(q1 + e + LANESD); a1 -= w01 * t; c1 -= w11 * t;
                    t = KD(load)(q2 + e); a0 -= w02 * t; c0 -= w12 * t;
                    t = KD(load)(q2 + e + LANESD); a1 -= w02 * t; c1 -= w12 * t;
                    t = KD(load)(q3 + e); a0 -= w03 * t; c0 -= w13 * t;
                    t = KD(load)(q3 + e + LANESD); a1 -= w03 * t; c1 -= w13 * t;
                    KD(store)(v0 + e, a0); KD(store)(v0 + e + LANESD, a1); KD(store)(v1 + e, c0); KD(store)(v1 + e + LANESD, c1);
                }
            }
            continue;
        }
        for (int e = 0; e < n; e += LANESD) {
            vd a0 = KD(load)(v0 + e), c0 = KD(load)(v1 + e);
            for (int i = 0; i < b; i++) {
                vd t = KD(load)(q + (long)i * n + e);
                a0 -= KD(splat)(s0[i]) * t;
                c0 -= KD(splat)(s1[i]) * t;
            }
            KD(store)(v0 + e, a0);
            KD(store)(v1 + e, c0);
        }
    }
    for (; r < m; r++) {
        double *v = x + (long)r * n, s[GSD_PANEL];
        for (int i = 0; i < b; i++) s[i] = KD(dot)(q + (long)i * n, v, n);
        for (int e = 0; e < n; e += LANESD) {
            vd a0 = KD(load)(v + e);
            for (int i = 0; i < b; i++) a0 -= KD(splat)(s[i]) * KD(load)(q + (long)i * n + e);
            KD(store)(v + e, a0);
        }
    }
}

/* Right-looking block modified Gram–Schmidt in Double (as block_mgs_body of kernels_body.h): panels of GSD_PANEL
 * rows orthonormalised inside by Gram–Schmidt twice, then projected out of every later row once. */
INLINE int KD(block_mgs_body)(double *rows, int k, int n, int from, double *norms) {
    for (int j0 = from; j0 < k; j0 += GSD_PANEL) {
        int b = k - j0 < GSD_PANEL ? k - j0 : GSD_PANEL;
        double *p = rows + (long)j0 * n;
        int stop = KD(gram_schmidt_body)(p, b, n, 0, norms + j0);
        if (stop != b) return j0 + stop;
        KD(project_panel)(p, b, p + (long)b * n, k - j0 - b, n);
    }
    return k;
}
