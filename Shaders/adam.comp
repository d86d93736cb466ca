#version 450
// Adam, dense over every parameter of every model, in the form pc.adamForm selects (AdamForm):
// 0 torch: torch.optim.Adam's operation order (single-tensor path); hyper[m] = (lr / (1 - beta1^n),
//   sqrt(1 - beta2^n)).
// 1 keras (Keras 3) and 2 keras2 (tf-keras): hyper[m] = (alpha = lr sqrt(1 - beta2^n) / (1 - beta1^n), 0)
//   formed on the host in float32 as Keras does; pc.beta1/pc.beta2 hold 1 - beta1 and 1 - beta2.
//   m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); p -= (m alpha) / (sqrt(v) + eps), except in the
//   embedding: keras takes v's g^2 from squares[] (per-occurrence slices, grad_embedding), keras2
//   follows tf-keras' sparse path m = (m + (-m)(1 - b1)) + g(1 - b1), v likewise with g^2.
#include "include/common.glsl"

layout(std430, set = 0, binding = 0) buffer Params { float params[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grads { float grads[]; };
layout(std430, set = 0, binding = 2) buffer M1 { float m1[]; };
layout(std430, set = 0, binding = 3) buffer M2 { float m2[]; };
layout(std430, set = 0, binding = 4) readonly buffer Hyper { float hyper[]; };      // [m][2]
layout(std430, set = 0, binding = 5) readonly buffer Squares { float squares[]; };  // [m][V][E] (keras only)

void main() {
    FOR_EACH_INDEX(i, pc.M * pc.P) {
        uint m = i / pc.P;
        float g = grads[i];
        if (pc.adamForm == 0u) {
            float stepSize = hyper[2u * m], bc2 = hyper[2u * m + 1u];
            float a = m1[i] + (1.0 - pc.beta1) * (g - m1[i]);
            float v = m2[i] * pc.beta2 + (1.0 - pc.beta2) * (g * g);
            m1[i] = a;
            m2[i] = v;
            params[i] -= stepSize * (a / (sqrt(v) / bc2 + pc.eps));
        } else {
            float alpha = hyper[2u * m], c1 = pc.beta1, c2 = pc.beta2;
            uint j = i - m * pc.P;
            bool embedding = j >= pc.offEmb && j < pc.offEmb + pc.V * pc.E;
            float a, v;
            if (embedding && pc.adamForm == 2u) {
                a = (m1[i] + (-m1[i]) * c1) + g * c1;
                v = (m2[i] + (-m2[i]) * c2) + (g * g) * c2;
            } else {
                float g2 = embedding ? squares[m * pc.V * pc.E + (j - pc.offEmb)] : g * g;
                a = m1[i] + (g - m1[i]) * c1;
                v = m2[i] + (g2 - m2[i]) * c2;
            }
            m1[i] = a;
            m2[i] = v;
            params[i] -= (a * alpha) / (sqrt(v) + pc.eps);
        }
    }
}
