#version 450
// Split-K pass 1 of the gate bias gradient, the sum of dA[t][b][r] over the rows j = t*B + b < L*B, cut
// into pc.splits chunks: one invocation per (model, chunk, r) sums its chunk in ascending j into
// parts[m][c][r]; grad_sum_parts adds the chunks in ascending c. r is fastest (coalesced dA reads).
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer DA { float dA[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Parts { float parts[]; };

void main() {
    uint G = 4u * pc.H, rows = pc.L * pc.B;
    FOR_EACH_INDEX(i, pc.M * pc.splits * G) {
        uint r = i % G, c = (i / G) % pc.splits, m = i / (pc.splits * G);
        uint base = rowIndex(m, 0u, 0u);
        float acc = 0.0;
        for (uint j = splitBegin(c); j < splitEnd(c, rows); ++j) acc += dA[(base + j) * G + r];
        parts[i] = acc;
    }
}
