#version 450
// The embedding gradient without atomics: the host groups the batch's positions by token id
// (slot[m][v] = the id's segment or -1, segments of positions in ascending order), and one
// invocation per (model, v, e) sums its segment's dX rows in that fixed order. Rows of ids absent
// from the batch get 0, so every element of the table is written (dense Adam follows). With the keras
// Adam form (pc.adamForm == 1) it also writes squares[m][v][e], the sum of the squared per-occurrence
// slices dX[p][e]^2 in the same order (Keras 3's v takes those, not the square of the sum).
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer DX { float dX[]; };
layout(std430, set = 0, binding = 1) readonly buffer Slot { int slot[]; };             // [m][V]
layout(std430, set = 0, binding = 2) readonly buffer SegStart { uint segStart[]; };    // [m][segCap+1]
layout(std430, set = 0, binding = 3) readonly buffer Positions { uint positions[]; };  // [m][segCap]: t*B + b
layout(std430, set = 0, binding = 4) buffer Grads { float grads[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Squares { float squares[]; };    // [m][V][E]

void main() {
    FOR_EACH_INDEX(i, pc.M * pc.V * pc.E) {
        uint e = i % pc.E, v = (i / pc.E) % pc.V, m = i / (pc.V * pc.E);
        int s = slot[m * pc.V + v];
        float acc = 0.0, sq = 0.0;
        if (s >= 0) {
            uint seg = m * (pc.segCap + 1u) + uint(s);
            for (uint k = segStart[seg]; k < segStart[seg + 1u]; ++k) {
                uint p = positions[m * pc.segCap + k];
                float d = dX[((m * pc.L * pc.B) + p) * pc.E + e];
                acc += d;
                sq += d * d;
            }
        }
        grads[m * pc.P + pc.offEmb + v * pc.E + e] = acc;
        if (pc.adamForm == 1u) squares[i] = sq;
    }
}
