#version 450
// The small gradients, one invocation per output: the gate bias (sum of dA over t, b), the head
// weights (sum over b of dz * h[L-1]) and the head bias (sum of dz). Fixed summation order.
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer DA { float dA[]; };
layout(std430, set = 0, binding = 1) readonly buffer Hidden { float hidden[]; };
layout(std430, set = 0, binding = 2) readonly buffer DZ { float dz[]; };
layout(std430, set = 0, binding = 3) buffer Grads { float grads[]; };

void main() {
    uint H = pc.H, G = 4u * pc.H, n = G + H + 1u;
    FOR_EACH_INDEX(i, pc.M * n) {
        uint m = i / n, k = i % n;
        float acc = 0.0;
        if (k < G) {
            for (uint t = 0u; t < pc.L; ++t)
                for (uint b = 0u; b < pc.B; ++b) acc += dA[rowIndex(m, t, b) * G + k];
            grads[m * pc.P + pc.offB + k] = acc;
        } else if (k < G + H) {
            uint j = k - G;
            for (uint b = 0u; b < pc.B; ++b) acc += dz[m * pc.B + b] * hidden[rowIndex(m, pc.L - 1u, b) * H + j];
            grads[m * pc.P + pc.offWd + j] = acc;
        } else {
            for (uint b = 0u; b < pc.B; ++b) acc += dz[m * pc.B + b];
            grads[m * pc.P + pc.offBd] = acc;
        }
    }
}
