#version 450
// Dense head and BCE with logits on the last hidden state; one invocation per (model, sequence).
// Writes the logit, the per-sequence loss, and dL/dz = (sigmoid(z) - y) / B for the backward pass.
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) readonly buffer Hidden { float hidden[]; };
layout(std430, set = 0, binding = 2) readonly buffer Labels { float labels[]; };   // [m][b]
layout(std430, set = 0, binding = 3) writeonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Loss { float loss[]; };
layout(std430, set = 0, binding = 5) writeonly buffer DZ { float dz[]; };

void main() {
    FOR_EACH_INDEX(i, pc.M * pc.B) {
        uint m = i / pc.B, b = i % pc.B;
        uint base = m * pc.P;
        uint last = rowIndex(m, pc.L - 1u, b) * pc.H;
        float z = params[base + pc.offBd];
        for (uint j = 0u; j < pc.H; ++j) z += params[base + pc.offWd + j] * hidden[last + j];
        float y = labels[i];
        logits[i] = z;
        loss[i] = max(z, 0.0) - z * y + log(1.0 + exp(-abs(z)));
        dz[i] = (sigmoid_(z) - y) * pc.invB;
    }
}
