#include "lyap_kernels.h"
#include <stdint.h>

/* v8f values only cross always-inlined helpers of one target, so the AVX argument ABI never applies. */
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v8f_u __attribute__((vector_size(32), aligned(4)));

#if defined(__x86_64__)
#define K(name) name##_avx2
#define INLINE static inline __attribute__((always_inline, target("avx2,fma")))
#include "kernels_body.h"
#undef K
#undef INLINE

static int detect(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int has_avx2 = -1;
static inline int use_avx2(void) {
    int v = __atomic_load_n(&has_avx2, __ATOMIC_RELAXED);
    if (v < 0) {
        v = detect();
        __atomic_store_n(&has_avx2, v, __ATOMIC_RELAXED);
    }
    return v;
}
#define AVX2 __attribute__((target("avx2,fma")))
AVX2 static void step_avx2(float *s, const float *p, const float *in, int c, int t, int w, float *k) { step_body_avx2(s, p, in, c, t, w, k); }
AVX2 static float dot_avx2(const float *a, const float *b, int n) { return dot_body_avx2(a, b, n); }
AVX2 static void axpy_avx2(float al, const float *x, float *y, int n) { axpy_body_avx2(al, x, y, n); }
AVX2 static void scale_avx2(float s, float *y, int n) { scale_body_avx2(s, y, n); }
AVX2 static int gs_avx2(float *rows, int k, int n, int from, double *norms) { return gram_schmidt_body_avx2(rows, k, n, from, norms); }
AVX2 static void sigmoid_avx2(const float *x, float *y, int n) { for (int i = 0; i < n; i += 8) store_avx2(y + i, vsigmoid_avx2(load_avx2(x + i))); }
AVX2 static void tanh_avx2(const float *x, float *y, int n) { for (int i = 0; i < n; i += 8) store_avx2(y + i, vtanh_avx2(load_avx2(x + i))); }
#define USE_AVX2 use_avx2()
#else
#define USE_AVX2 0
#endif

#define K(name) name##_base
#define INLINE static inline __attribute__((always_inline))
#include "kernels_body.h"

int lyap_kernels_avx2(void) { return USE_AVX2; }

void lyap_step_f32(float *s, const float *p, const float *in, int c, int t, int w, float *k) {
#if defined(__x86_64__)
    if (USE_AVX2) { step_avx2(s, p, in, c, t, w, k); return; }
#endif
    step_body_base(s, p, in, c, t, w, k);
}

float lyap_dot_f32(const float *a, const float *b, int n) {
#if defined(__x86_64__)
    if (USE_AVX2) return dot_avx2(a, b, n);
#endif
    return dot_body_base(a, b, n);
}

void lyap_axpy_f32(float alpha, const float *x, float *y, int n) {
#if defined(__x86_64__)
    if (USE_AVX2) { axpy_avx2(alpha, x, y, n); return; }
#endif
    axpy_body_base(alpha, x, y, n);
}

void lyap_scale_f32(float s, float *y, int n) {
#if defined(__x86_64__)
    if (USE_AVX2) { scale_avx2(s, y, n); return; }
#endif
    scale_body_base(s, y, n);
}

int lyap_gram_schmidt_f32(float *rows, int k, int n, int from, double *norms) {
#if defined(__x86_64__)
    if (USE_AVX2) return gs_avx2(rows, k, n, from, norms);
#endif
    return gram_schmidt_body_base(rows, k, n, from, norms);
}

void lyap_sigmoid_f32(const float *x, float *y, int n) {
#if defined(__x86_64__)
    if (USE_AVX2) { sigmoid_avx2(x, y, n); return; }
#endif
    for (int i = 0; i < n; i += 8) store_base(y + i, vsigmoid_base(load_base(x + i)));
}

void lyap_tanh_f32(const float *x, float *y, int n) {
#if defined(__x86_64__)
    if (USE_AVX2) { tanh_avx2(x, y, n); return; }
#endif
    for (int i = 0; i < n; i += 8) store_base(y + i, vtanh_base(load_base(x + i)));
}
