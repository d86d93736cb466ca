#version 450
// Backpropagation through time, all L steps in one dispatch: one workgroup per (model, sequence)
// keeps eps_h and eps_c in shared memory, writes the gate deltas dA[t] of every step (methods.md 3)
// and forms eps_h <- Wh^T dA[t] with the deltas in shared memory. HID = H is specialization constant 1. With ROWREG (4H <=
// workgroup size, H <= 64) invocation (q, k) keeps column k of gate block q of Wh in registers and
// forms the partial sum over that block; unit k then adds the four partials in gate order (a fixed
// order, so runs stay bitwise reproducible). Otherwise invocation k sums all 4H rows from global memory.
#include "include/common.glsl"

layout(constant_id = 1) const uint HID = 1u;  // H: sizes shared memory and the register rows

layout(std430, set = 0, binding = 0) readonly buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) readonly buffer Gates { float gates[]; };     // i, f, g, o
layout(std430, set = 0, binding = 2) readonly buffer Cell { float cell[]; };
layout(std430, set = 0, binding = 3) readonly buffer TanhCell { float tanhCell[]; };
layout(std430, set = 0, binding = 4) readonly buffer DZ { float dz[]; };
layout(std430, set = 0, binding = 5) writeonly buffer DA { float dA[]; };        // [m][t][b][4H]

shared float dhS[HID];
shared float dcS[HID];
shared float dS[4 * HID];
#ifdef ROWREG
shared float partS[4 * HID];
#endif

void main() {
    uint m = gl_WorkGroupID.x / pc.B, b = gl_WorkGroupID.x % pc.B;
    uint lid = gl_LocalInvocationID.x, ls = gl_WorkGroupSize.x;
    uint H = pc.H, G = 4u * pc.H;
    uint base = m * pc.P, wh = base + pc.offWh;
    float dzb = dz[m * pc.B + b];
#ifdef ROWREG
    uint q = lid / HID, kq = lid % HID;  // gate block q, unit kq
    float w[HID];
    for (uint r = 0u; r < HID; ++r) w[r] = lid < G ? params[wh + (q * HID + r) * H + kq] : 0.0;
#endif
    for (uint j = lid; j < H; j += ls) {
        dhS[j] = dzb * params[base + pc.offWd + j];
        dcS[j] = 0.0;
    }
    barrier();
    for (uint s = 0u; s < pc.L; ++s) {
        uint t = pc.L - 1u - s;
        uint row = rowIndex(m, t, b);
        for (uint j = lid; j < H; j += ls) {
            float i = gates[row * G + j], f = gates[row * G + H + j];
            float g = gates[row * G + 2u * H + j], o = gates[row * G + 3u * H + j];
            float tc = tanhCell[row * H + j];
            float cp = t > 0u ? cell[rowIndex(m, t - 1u, b) * H + j] : 0.0;
            float eh = dhS[j];
            float dO = eh * tc * (o * (1.0 - o));
            float ect = dcS[j] + eh * o * (1.0 - tc * tc);
            float dI = ect * g * (i * (1.0 - i));
            float dF = ect * cp * (f * (1.0 - f));
            float dG = ect * i * (1.0 - g * g);
            dA[row * G + j] = dI;
            dA[row * G + H + j] = dF;
            dA[row * G + 2u * H + j] = dG;
            dA[row * G + 3u * H + j] = dO;
            dS[j] = dI;
            dS[H + j] = dF;
            dS[2u * H + j] = dG;
            dS[3u * H + j] = dO;
            dcS[j] = ect * f;
        }
        barrier();
        if (t > 0u) {
#ifdef ROWREG
            if (lid < G) {
                float part = 0.0;
                for (uint r = 0u; r < HID; ++r) part += w[r] * dS[q * HID + r];
                partS[lid] = part;
            }
            barrier();
            for (uint k = lid; k < H; k += ls) dhS[k] = ((partS[k] + partS[H + k]) + partS[2u * H + k]) + partS[3u * H + k];
#else
            for (uint k = lid; k < H; k += ls) {
                float acc = 0.0;
                for (uint r = 0u; r < G; ++r) acc += params[wh + r * H + k] * dS[r];
                dhS[k] = acc;
            }
#endif
        }
        barrier();
    }
}
