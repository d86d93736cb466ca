#include <cblas.h>

/* Spin-wait hint for lyap's thread team (not part of OpenBLAS; this header is lyap's only C shim). */
static inline void lyap_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
