#version 450
// gates[m][t][b][r] = b[r] + sum_e Wx[r][e] * emb[id(m,b,t)][e], for every step at once; with two gate
// biases b = bias_ih + bias_hh (summed first, as the CPU backend does).
// One invocation per (m, t, b, r).
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) readonly buffer Tokens { int tokens[]; };      // [m][b][t]
layout(std430, set = 0, binding = 2) writeonly buffer Gates { float gates[]; };    // [m][t][b][4H]

void main() {
    uint G = 4u * pc.H;
    FOR_EACH_INDEX(i, pc.M * pc.L * pc.B * G) {
        uint r = i % G;
        uint row = i / G;                    // (m*L + t)*B + b
        uint b = row % pc.B;
        uint t = (row / pc.B) % pc.L;
        uint m = row / (pc.B * pc.L);
        uint base = m * pc.P;
        uint id = uint(tokens[(m * pc.B + b) * pc.L + t]);
        float acc = params[base + pc.offB + r];
        if (pc.offBH != 0u) acc = acc + params[base + pc.offBH + r];
        for (uint e = 0u; e < pc.E; ++e) {
            acc += params[base + pc.offWx + r * pc.E + e] * params[base + pc.offEmb + id * pc.E + e];
        }
        gates[i] = acc;
    }
}
