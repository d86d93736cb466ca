#version 450
// dL/dWx[r][e] = sum over t, b of dA[t][b][r] * x[t][b][e], with x read from the embedding table.
// One invocation per (model, r, e), fixed summation order.
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) readonly buffer Tokens { int tokens[]; };
layout(std430, set = 0, binding = 2) readonly buffer DA { float dA[]; };
layout(std430, set = 0, binding = 3) buffer Grads { float grads[]; };

void main() {
    uint G = 4u * pc.H;
    FOR_EACH_INDEX(i, pc.M * G * pc.E) {
        uint e = i % pc.E, r = (i / pc.E) % G, m = i / (G * pc.E);
        uint emb = m * pc.P + pc.offEmb;
        float acc = 0.0;
        for (uint t = 0u; t < pc.L; ++t) {
            for (uint b = 0u; b < pc.B; ++b) {
                uint id = uint(tokens[(m * pc.B + b) * pc.L + t]);
                acc += dA[rowIndex(m, t, b) * G + r] * params[emb + id * pc.E + e];
            }
        }
        grads[m * pc.P + pc.offWx + r * pc.E + e] = acc;
    }
}
