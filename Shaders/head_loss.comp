#version 450
// Dense head and the loss on the last hidden state; one invocation per (model, sequence).
// Writes the logit, the per-sequence loss, and dL/dz for the backward pass:
// - default: BCE with logits, dL/dz = (sigmoid(z) - y) / B;
// - SIGMOID_BCE: nn.Sigmoid + nn.BCELoss as aten computes them (LossForm.sigmoidBCE): p = 1/(1+exp(-z)),
//   each log clamped at -100, dL/dp = (p - y) / max((1-p)p, 1e-12) / B, dL/dz = dL/dp (1-p) p. GLSL's
//   log is undefined at 0 and has no log1p, so the clamped logs are formed explicitly.
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) readonly buffer Hidden { float hidden[]; };
layout(std430, set = 0, binding = 2) readonly buffer Labels { float labels[]; };   // [m][b]
layout(std430, set = 0, binding = 3) writeonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Loss { float loss[]; };
layout(std430, set = 0, binding = 5) writeonly buffer DZ { float dz[]; };

#ifdef SIGMOID_BCE
// max(log(x), -100) for x in [0, 1].
float clampedLog(float x) { return x > 0.0 ? max(log(x), -100.0) : -100.0; }
// max(log1p(-p), -100) for p in [0, 1]: Kahan's log1p on u = 1 - p.
float clampedLog1mP(float p) {
    float u = 1.0 - p;
    if (u <= 0.0) return -100.0;
    if (u == 1.0) return -p;
    return max(log(u) * (-p / (u - 1.0)), -100.0);
}
#endif

void main() {
    FOR_EACH_INDEX(i, pc.M * pc.B) {
        uint m = i / pc.B, b = i % pc.B;
        uint base = m * pc.P;
        uint last = rowIndex(m, pc.L - 1u, b) * pc.H;
        float z = params[base + pc.offBd];
        for (uint j = 0u; j < pc.H; ++j) z += params[base + pc.offWd + j] * hidden[last + j];
        float y = labels[i];
        logits[i] = z;
#ifdef SIGMOID_BCE
        float p = 1.0 / (1.0 + exp(-z));
        loss[i] = (y - 1.0) * clampedLog1mP(p) - y * clampedLog(p);
        float dp = (p - y) / max((1.0 - p) * p, 1e-12) / float(pc.B);
        dz[i] = dp * (1.0 - p) * p;
#else
        loss[i] = max(z, 0.0) - z * y + log(1.0 + exp(-abs(z)));
        dz[i] = (sigmoid_(z) - y) * pc.invB;
#endif
    }
}
