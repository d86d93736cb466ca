#version 450
// dX[t][b][e] = sum_r dA[t][b][r] * Wx[r][e]: the gradient reaching each embedded token.
// One invocation per (model, t, b, e).
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) readonly buffer DA { float dA[]; };
layout(std430, set = 0, binding = 2) writeonly buffer DX { float dX[]; };       // [m][t][b][E]

void main() {
    uint G = 4u * pc.H;
    FOR_EACH_INDEX(i, pc.M * pc.L * pc.B * pc.E) {
        uint e = i % pc.E, row = i / pc.E;
        uint m = row / (pc.L * pc.B);
        uint wx = m * pc.P + pc.offWx;
        float acc = 0.0;
        for (uint r = 0u; r < G; ++r) acc += dA[row * G + r] * params[wx + r * pc.E + e];
        dX[i] = acc;
    }
}
