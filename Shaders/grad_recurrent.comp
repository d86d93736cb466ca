#version 450
// dL/dWh[r][k] = sum over t >= 1 and b of dA[t][b][r] * h[t-1][b][k]. One invocation per
// (model, r, k) summing in a fixed order: deterministic, no atomics.
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer DA { float dA[]; };
layout(std430, set = 0, binding = 1) readonly buffer Hidden { float hidden[]; };
layout(std430, set = 0, binding = 2) buffer Grads { float grads[]; };

void main() {
    uint H = pc.H, G = 4u * pc.H;
    FOR_EACH_INDEX(i, pc.M * G * H) {
        uint k = i % H, r = (i / H) % G, m = i / (G * H);
        float acc = 0.0;
        for (uint t = 1u; t < pc.L; ++t) {
            for (uint b = 0u; b < pc.B; ++b) {
                acc += dA[rowIndex(m, t, b) * G + r] * hidden[rowIndex(m, t - 1u, b) * H + k];
            }
        }
        grads[m * pc.P + pc.offWh + r * H + k] = acc;
    }
}
