// Shared by every kernel: the push constants, the workgroup size and the activations.
#extension GL_GOOGLE_include_directive : enable

layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
#include "lyap_push.h"
} pc;

// The same formulations as the CPU backend: sigmoid branches on the sign, tanh goes through
// exp(-2|x|) (a driver's tanh may return NaN for large |x|), so no input gives Inf or NaN.
float sigmoid_(float x) {
    if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
    float e = exp(x);
    return e / (1.0 + e);
}

float tanh_(float x) {
    float a = abs(x);
    if (a < 0.0625) {
        float x2 = x * x;
        return x + x * x2 * (-1.0 / 3.0 + x2 * (2.0 / 15.0 + x2 * (-17.0 / 315.0)));
    }
    float e = exp(-2.0 * min(a, 15.0));
    float t = (1.0 - e) / (1.0 + e);
    return x < 0.0 ? -t : t;
}

// Index helpers: activations are time-major per model, [m][t][b][w].
uint rowIndex(uint m, uint t, uint b) { return (m * pc.L + t) * pc.B + b; }

// Grid-stride loop: any problem size fits in a dispatch of at most 65535 workgroups.
#define FOR_EACH_INDEX(i, n) for (uint i = gl_GlobalInvocationID.x; i < (n); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)

// Split-K reductions (SplitK.swift): a model's rows 0 ..< rows are cut into pc.splits chunks of
// pc.splitRows rows, the last one possibly shorter; chunk c is [splitBegin(c), splitEnd(c, rows)).
uint splitBegin(uint c) { return c * pc.splitRows; }
uint splitEnd(uint c, uint rows) { return min(splitBegin(c) + pc.splitRows, rows); }
