#ifndef LYAP_SHARED_H
#define LYAP_SHARED_H
/* The push-constant block shared with the GLSL kernels: the field list lives in one file,
 * Shaders/include/lyap_push.h, included here and inside every kernel's push_constant block. */
#include <stdint.h>

#define uint uint32_t
typedef struct LyapPush {
#include "../../../Shaders/include/lyap_push.h"
} LyapPush;
#undef uint

#endif
