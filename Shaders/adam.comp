#version 450
// Adam in PyTorch's operation order (torch.optim.Adam, single-tensor path), dense over every
// parameter of every model. hyper[m] = (lr / (1 - beta1^n), sqrt(1 - beta2^n)) per model.
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grads { float grads[]; };
layout(std430, set = 0, binding = 2) buffer M1 { float m1[]; };
layout(std430, set = 0, binding = 3) buffer M2 { float m2[]; };
layout(std430, set = 0, binding = 4) readonly buffer Hyper { float hyper[]; };      // [m][2]

void main() {
    FOR_EACH_INDEX(i, pc.M * pc.P) {
        uint m = i / pc.P;
        float stepSize = hyper[2u * m], bc2 = hyper[2u * m + 1u];
        float g = grads[i];
        float a = m1[i] + (1.0 - pc.beta1) * (g - m1[i]);
        float v = m2[i] * pc.beta2 + (1.0 - pc.beta2) * (g * g);
        m1[i] = a;
        m2[i] = v;
        params[i] -= stepSize * (a / (sqrt(v) / bc2 + pc.eps));
    }
}
