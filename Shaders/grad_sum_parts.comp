#version 450
// Split-K pass 2, shared by every split reduction: grads[m][splitDst + o] = the sum over c = 0, 1, ...,
// splits-1, in that order, of parts[m][c][o], for o < splitOutputs. One invocation per (model, o), o
// fastest; with one chunk it copies the single partial, so the result is the one-pass sum's bits.
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Parts { float parts[]; };
layout(std430, set = 0, binding = 1) buffer Grads { float grads[]; };

void main() {
    uint n = pc.splitOutputs;
    FOR_EACH_INDEX(i, pc.M * n) {
        uint o = i % n, m = i / n;
        float acc = parts[m * pc.splits * n + o];
        for (uint c = 1u; c < pc.splits; ++c) acc += parts[(m * pc.splits + c) * n + o];
        grads[m * pc.P + pc.splitDst + o] = acc;
    }
}
