#version 450
// The head gradients, one invocation per output: the head weights (sum over b of dz * h[L-1]) and the
// head bias (sum of dz), each summed over b in order. (Short sums over the batch: no split.)
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Hidden { float hidden[]; };
layout(std430, set = 0, binding = 1) readonly buffer DZ { float dz[]; };
layout(std430, set = 0, binding = 2) buffer Grads { float grads[]; };

void main() {
    uint H = pc.H, n = H + 1u;
    FOR_EACH_INDEX(i, pc.M * n) {
        uint m = i / n, j = i % n;
        float acc = 0.0;
        if (j < H) {
            for (uint b = 0u; b < pc.B; ++b) acc += dz[m * pc.B + b] * hidden[rowIndex(m, pc.L - 1u, b) * H + j];
            grads[m * pc.P + pc.offWd + j] = acc;
        } else {
            for (uint b = 0u; b < pc.B; ++b) acc += dz[m * pc.B + b];
            grads[m * pc.P + pc.offBd] = acc;
        }
    }
}
