#version 450
// Split-K pass 1 of dL/dWh[r][k] = sum over t >= 1 and b of dA[t][b][r] * h[t-1][b][k]. The rows
// j = (t-1)*B + b < (L-1)*B are cut into pc.splits chunks; one invocation per (model, chunk, r, k) sums its
// chunk in ascending j into parts[m][c][r][k], and grad_sum_parts adds the chunks in ascending c: a fixed
// order, no atomics. k is fastest, so neighbouring invocations read neighbouring h and the same dA.
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer DA { float dA[]; };
layout(std430, set = 0, binding = 1) readonly buffer Hidden { float hidden[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Parts { float parts[]; };

void main() {
    uint H = pc.H, G = 4u * pc.H, rows = (pc.L - 1u) * pc.B;
    FOR_EACH_INDEX(i, pc.M * pc.splits * G * H) {
        uint k = i % H, r = (i / H) % G, c = (i / (G * H)) % pc.splits, m = i / (pc.splits * G * H);
        // Row j of h[t-1] is rowIndex(m, 0, 0) + j; its dA[t] is B rows later.
        uint base = rowIndex(m, 0u, 0u);
        float acc = 0.0;
        for (uint j = splitBegin(c); j < splitEnd(c, rows); ++j)
            acc += dA[(base + pc.B + j) * G + r] * hidden[(base + j) * H + k];
        parts[i] = acc;
    }
}
