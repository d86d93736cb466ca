/* The Float training pass's LSTM cell update (LyapCPU's FloatVectorMath.cellStep) and its backward step
 * (LSTMBackward.cellBack) on AVX2: the same operations in the same order, one IEEE operation per intrinsic and
 * no contraction into FMA, so the same bits as the Swift code, which is compiled for baseline x86-64 (two SSE
 * halves per eight lanes for the first, scalar for the second). */
#include "lyap_kernels.h"

#pragma clang fp contract(off)

#if defined(__x86_64__)
#include <immintrin.h>

#define A2 __attribute__((target("avx2,fma")))
#define IN static inline __attribute__((always_inline, target("avx2,fma")))

IN __m256 splat(float x) { return _mm256_set1_ps(x); }
/* Swift's SIMD negation is 0 - x. */
IN __m256 neg(__m256 x) { return _mm256_sub_ps(_mm256_setzero_ps(), x); }
/* x.replacing(with: y, where: x .< bound) and the like: y where the mask is set. */
IN __m256 pick(__m256 x, __m256 y, __m256 mask) { return _mm256_blendv_ps(x, y, mask); }

IN __m256 vexp(__m256 x) {
    x = pick(x, splat(-87.3f), _mm256_cmp_ps(x, splat(-87.3f), _CMP_LT_OQ));
    x = pick(x, splat(88.3f), _mm256_cmp_ps(x, splat(88.3f), _CMP_GT_OQ));
    __m256 magic = splat(12582912.0f);
    __m256 shifted = _mm256_add_ps(_mm256_mul_ps(x, splat(1.44269504f)), magic);
    __m256 n = _mm256_sub_ps(shifted, magic);
    __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(n, splat(0.693359375f)));
    r = _mm256_sub_ps(r, _mm256_mul_ps(n, splat(-2.1219444e-4f)));
    __m256 p = splat(1.98756915e-4f);
    p = _mm256_add_ps(_mm256_mul_ps(p, r), splat(1.39819995e-3f));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), splat(8.3334519e-3f));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), splat(4.16657959e-2f));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), splat(1.66666655e-1f));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), splat(5.00000012e-1f));
    p = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, _mm256_mul_ps(r, r)), r), splat(1.0f));
    __m256i e = _mm256_castps_si256(shifted);
    e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(e, _mm256_set1_epi32(0x4B400000)), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

IN __m256 vsigmoid(__m256 x) { return _mm256_div_ps(splat(1.0f), _mm256_add_ps(splat(1.0f), vexp(neg(x)))); }

IN __m256 vtanh(__m256 x) {
    __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    __m256 a = pick(x, neg(x), negative);
    __m256 e = vexp(_mm256_mul_ps(splat(-2.0f), a));
    __m256 t = _mm256_div_ps(_mm256_sub_ps(splat(1.0f), e), _mm256_add_ps(splat(1.0f), e));
    t = pick(t, neg(t), negative);
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 q = splat(-17.0f / 315.0f);
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), splat(2.0f / 15.0f));
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), splat(-1.0f / 3.0f));
    __m256 poly = _mm256_add_ps(x, _mm256_mul_ps(_mm256_mul_ps(x, x2), q));
    return pick(t, poly, _mm256_cmp_ps(a, splat(0.0625f), _CMP_LT_OQ));
}

/* Eight units from pointers that hold eight floats each. */
IN void cell8(float *i_, float *f_, float *g_, float *o_, const float *cp, float *cn, float *tn, float *hn) {
    __m256 i = vsigmoid(_mm256_loadu_ps(i_)), f = vsigmoid(_mm256_loadu_ps(f_));
    __m256 g = vtanh(_mm256_loadu_ps(g_)), o = vsigmoid(_mm256_loadu_ps(o_));
    _mm256_storeu_ps(i_, i);
    _mm256_storeu_ps(f_, f);
    _mm256_storeu_ps(g_, g);
    _mm256_storeu_ps(o_, o);
    __m256 keep = cp ? _mm256_mul_ps(f, _mm256_loadu_ps(cp)) : _mm256_setzero_ps();
    __m256 cv = _mm256_add_ps(keep, _mm256_mul_ps(i, g));
    __m256 tv = vtanh(cv);
    _mm256_storeu_ps(cn, cv);
    _mm256_storeu_ps(tn, tv);
    _mm256_storeu_ps(hn, _mm256_mul_ps(o, tv));
}

A2 static void cell_step_avx2(float *row, const float *cPrev, float *cNow, float *tNow, float *hNow, int H) {
    int j = 0;
    for (; j + 8 <= H; j += 8)
        cell8(row + j, row + H + j, row + 2 * H + j, row + 3 * H + j, cPrev ? cPrev + j : 0, cNow + j, tNow + j, hNow + j);
    if (j == H) return;
    /* A partial last group goes through the same arithmetic padded with zeros, as in the Swift code. */
    int n = H - j;
    float v[8][8] = {{0}};
    for (int k = 0; k < n; k++) {
        for (int q = 0; q < 4; q++) v[q][k] = row[q * H + j + k];
        if (cPrev) v[4][k] = cPrev[j + k];
    }
    cell8(v[0], v[1], v[2], v[3], cPrev ? v[4] : 0, v[5], v[6], v[7]);
    for (int k = 0; k < n; k++) {
        for (int q = 0; q < 4; q++) row[q * H + j + k] = v[q][k];
        cNow[j + k] = v[5][k];
        tNow[j + k] = v[6][k];
        hNow[j + k] = v[7][k];
    }
}

/* LSTMBackward.cellBack: gate deltas of one row, eps_c updated in place; the tail past the last group of 8 in
 * scalar code (the same operations again). */
A2 static void cell_back_avx2(const float *row, float *drow, const float *tNow, const float *cPrev, const float *eh, float *ec,
                              int H) {
    __m256 one = splat(1.0f);
    int j = 0;
    for (; j + 8 <= H; j += 8) {
        __m256 i = _mm256_loadu_ps(row + j), f = _mm256_loadu_ps(row + H + j);
        __m256 g = _mm256_loadu_ps(row + 2 * H + j), o = _mm256_loadu_ps(row + 3 * H + j);
        __m256 tv = _mm256_loadu_ps(tNow + j), e = _mm256_loadu_ps(eh + j);
        __m256 dO = _mm256_mul_ps(_mm256_mul_ps(e, tv), _mm256_mul_ps(o, _mm256_sub_ps(one, o)));
        __m256 ect = _mm256_add_ps(_mm256_loadu_ps(ec + j),
                                   _mm256_mul_ps(_mm256_mul_ps(e, o), _mm256_sub_ps(one, _mm256_mul_ps(tv, tv))));
        __m256 cp = cPrev ? _mm256_loadu_ps(cPrev + j) : _mm256_setzero_ps();
        _mm256_storeu_ps(drow + j, _mm256_mul_ps(_mm256_mul_ps(ect, g), _mm256_mul_ps(i, _mm256_sub_ps(one, i))));
        _mm256_storeu_ps(drow + H + j, _mm256_mul_ps(_mm256_mul_ps(ect, cp), _mm256_mul_ps(f, _mm256_sub_ps(one, f))));
        _mm256_storeu_ps(drow + 2 * H + j, _mm256_mul_ps(_mm256_mul_ps(ect, i), _mm256_sub_ps(one, _mm256_mul_ps(g, g))));
        _mm256_storeu_ps(drow + 3 * H + j, dO);
        _mm256_storeu_ps(ec + j, _mm256_mul_ps(ect, f));
    }
    for (; j < H; j++) {
        float i = row[j], f = row[H + j], g = row[2 * H + j], o = row[3 * H + j], tv = tNow[j];
        float dO = eh[j] * tv * (o * (1 - o));
        float ect = ec[j] + eh[j] * o * (1 - tv * tv);
        float cp = cPrev ? cPrev[j] : 0;
        drow[j] = ect * g * (i * (1 - i));
        drow[H + j] = ect * cp * (f * (1 - f));
        drow[2 * H + j] = ect * i * (1 - g * g);
        drow[3 * H + j] = dO;
        ec[j] = ect * f;
    }
}
#endif

int lyap_cell_back_f32(const float *row, float *drow, const float *tNow, const float *cPrev, const float *eh, float *ec, int H) {
#if defined(__x86_64__)
    if (lyap_kernels_isa() >= 1) {
        cell_back_avx2(row, drow, tNow, cPrev, eh, ec, H);
        return 1;
    }
#endif
    return 0;
}

int lyap_cell_step_f32(float *row, const float *cPrev, float *cNow, float *tNow, float *hNow, int H) {
#if defined(__x86_64__)
    if (lyap_kernels_isa() >= 1) {
        cell_step_avx2(row, cPrev, cNow, tNow, hNow, H);
        return 1;
    }
#endif
    return 0;
}
