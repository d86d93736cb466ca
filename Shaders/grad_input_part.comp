#version 450
// Split-K pass 1 of dL/dWx[r][e] = sum over t, b of dA[t][b][r] * x[t][b][e], with x read from the
// embedding table. The rows j = t*B + b < L*B are cut into pc.splits chunks; one invocation per
// (model, chunk, r, e) sums its chunk in ascending j into parts[m][c][r][e], and grad_sum_parts adds the
// chunks in ascending c. e is fastest: neighbouring invocations read one embedding row and the same dA.
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) readonly buffer Tokens { int tokens[]; };
layout(std430, set = 0, binding = 2) readonly buffer DA { float dA[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Parts { float parts[]; };

void main() {
    uint G = 4u * pc.H, E = pc.E, rows = pc.L * pc.B;
    FOR_EACH_INDEX(i, pc.M * pc.splits * G * E) {
        uint e = i % E, r = (i / E) % G, c = (i / (G * E)) % pc.splits, m = i / (pc.splits * G * E);
        uint base = rowIndex(m, 0u, 0u), emb = m * pc.P + pc.offEmb;
        float acc = 0.0;
        for (uint j = splitBegin(c); j < splitEnd(c, rows); ++j) {
            uint t = j / pc.B, b = j % pc.B;
            uint id = uint(tokens[(m * pc.B + b) * pc.L + t]);
            acc += dA[(base + j) * G + r] * params[emb + id * E + e];
        }
        parts[i] = acc;
    }
}
