#version 450
// The recurrence, all L steps in one dispatch (a persistent kernel): one workgroup per (model,
// sequence) keeps h and c in shared memory; each step forms the 4H pre-activations (input part from
// input_projection plus Wh h), then the cell update. Stores i, f, g, o in place of the
// pre-activations, and c, tanh(c), h of every step for the backward pass. HID = H is specialization
// constant 1. Define ROWREG when the workgroup has an invocation per gate row (4H <= size) and H is small enough (<= 64)
// for a row of Wh to live in registers: then each invocation loads its row once and the L steps read no
// weights from memory (the persistent-RNN layout). Otherwise rows are read from global memory each step.
#include "include/common.glsl"

layout(constant_id = 1) const uint HID = 1u;  // H: sizes shared memory and the register rows

layout(std430, set = 0, binding = 0) readonly buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) buffer Gates { float gates[]; };            // [m][t][b][4H]
layout(std430, set = 0, binding = 2) writeonly buffer Cell { float cell[]; };    // [m][t][b][H]
layout(std430, set = 0, binding = 3) writeonly buffer TanhCell { float tanhCell[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Hidden { float hidden[]; };

shared float hS[HID];
shared float cS[HID];
shared float aS[4 * HID];

void main() {
    uint m = gl_WorkGroupID.x / pc.B, b = gl_WorkGroupID.x % pc.B;
    uint lid = gl_LocalInvocationID.x, ls = gl_WorkGroupSize.x;
    uint H = pc.H, G = 4u * pc.H;
    uint wh = m * pc.P + pc.offWh;
    for (uint j = lid; j < H; j += ls) { hS[j] = 0.0; cS[j] = 0.0; }
#ifdef ROWREG
    float w[HID];
    for (uint k = 0u; k < HID; ++k) w[k] = lid < G ? params[wh + lid * H + k] : 0.0;
#endif
    barrier();
    for (uint t = 0u; t < pc.L; ++t) {
        uint row = rowIndex(m, t, b);
        for (uint r = lid; r < G; r += ls) {
            float acc = gates[row * G + r];
            if (t > 0u) {
#ifdef ROWREG
                for (uint k = 0u; k < HID; ++k) acc += w[k] * hS[k];  // r == lid: one row per invocation
#else
                for (uint k = 0u; k < H; ++k) acc += params[wh + r * H + k] * hS[k];
#endif
            }
            aS[r] = acc;
        }
        barrier();
        for (uint j = lid; j < H; j += ls) {
            float i = sigmoid_(aS[j]), f = sigmoid_(aS[H + j]);
            float g = tanh_(aS[2u * H + j]), o = sigmoid_(aS[3u * H + j]);
            gates[row * G + j] = i;
            gates[row * G + H + j] = f;
            gates[row * G + 2u * H + j] = g;
            gates[row * G + 3u * H + j] = o;
            float c = f * cS[j] + i * g;
            float tc = tanh_(c);
            float h = o * tc;
            cell[row * H + j] = c;
            tanhCell[row * H + j] = tc;
            hidden[row * H + j] = h;
            cS[j] = c;
            hS[j] = h;
        }
        barrier();
    }
}
