#version 450
// The stability analysis (methods.md §4-5) in one dispatch: one workgroup per (model m, review s) runs the
// whole drive + zero-input loop, the same protocol as LyapDynamics' BatchedEngine (the CPU oracle):
//   rows of 2H floats [h | c] in shared memory: 0 = base trajectory, 1 = twin A (perturbed at h_{-1}),
//   2 = twin B (perturbed at h_{drive-1}), 3..3+k = tangent vectors [dh | dc] of the base.
//   drive (t < drive): rows 0, 1 with the gate input b + Wx emb[id_t] (formed here from the parameters);
//   then twin B = base + xi, tangents = the review's initial frame, and autoSteps zero-input steps
//   (gate input b) of rows 0..3+k, each: products U h of every row (one thread per gate row r), the cell
//   update of rows 0..2 with the base's JVP coefficients, then the tangent update (methods.md §4.1)
//     dc' = f*dc + (c_{t-1} f')*q^f + (g i')*q^i + (i g')*q^g,   dh' = (tau o')*q^o + (o tau')*dc'
//   in the CPU kernel's operation order; after the steps of the RenormSchedule (every `renorm` steps, after
//   the last transient step and after the last step) modified Gram-Schmidt with one reorthogonalisation pass,
//   adding ln R_jj to a Kahan-compensated float sum once past the transient. A row whose norm is zero,
//   subnormal or not finite is replaced by the first unit vector that survives orthogonalisation and counted
//   (as GramSchmidt does on the CPU).
// Dispatches may cover part of the loop (chunkBegin/chunkEnd; state in `saved` between them).
// Writes per (m, s): h_T of the three trajectories, the k log sums with their compensations, the collapsed
// row count and the final frame (and with FTLE the ln R_11 of every renormalisation). Specialization
// constants: the workgroup size (0), HID = H (1), KT = tangent capacity (2), RED = reduction width (3).
// Define FTLE for the series, and ROWREG when each gate row has its own invocation (4H <= workgroup size)
// and H <= 64: the invocation's row of U stays in registers for the whole loop instead of being read from
// global memory for every row of every step.
#include "include/common.glsl"

layout(constant_id = 1) const uint HID = 1u;   // H
layout(constant_id = 2) const uint KT = 1u;    // tangent capacity (>= pc.tangents)
layout(constant_id = 3) const uint RED = 16u;  // reduction width: a power of two >= 2H
const uint K1 = KT > 0u ? KT : 1u;
const uint ROWS = 3u + KT;

layout(std430, set = 0, binding = 0) readonly buffer Params { float params[]; };   // [m][P]
layout(std430, set = 0, binding = 1) readonly buffer Tokens { int tokens[]; };     // [s][drive]
layout(std430, set = 0, binding = 2) readonly buffer Xi { float xi[]; };           // [s][2H]: xi_h, xi_c
layout(std430, set = 0, binding = 3) readonly buffer Frames { float frames[]; };   // [s][k][2H]
layout(std430, set = 0, binding = 4) writeonly buffer Final { float finalH[]; };   // [m][s][3][H]
layout(std430, set = 0, binding = 5) writeonly buffer Logs { float logs[]; };      // [m][s][2][k]: sums, compensations
layout(std430, set = 0, binding = 6) writeonly buffer Collapsed { uint collapsed[]; };  // [m][s]
layout(std430, set = 0, binding = 7) writeonly buffer FinalFrame { float finalQ[]; };   // [m][s][k][2H]
layout(std430, set = 0, binding = 8) buffer Saved { float saved[]; };  // [m][s][(3+k)*2H + 2k + 1]: state between chunks
#ifdef FTLE
// The finite-time series: ln R_11 of each renormalisation at its zero-input step (others untouched).
layout(std430, set = 0, binding = 9) writeonly buffer Series { float series[]; };  // [m][s][autoSteps]
#define RECORD_FIRST(j, x) if ((j) == 0u && lid == 0u) series[lane * pc.autoSteps + step - 1u] = (x)
#else
#define RECORD_FIRST(j, x)
#endif

shared float st[ROWS * 2 * HID];
shared float pr[ROWS * 4 * HID];
shared float co[6 * HID];
shared float red[RED];
shared float logSum[K1];
shared float logComp[K1];

// The reductions and the Gram-Schmidt steps are macros expanded inside main (no barriers in called functions).
// The loop may be split over several dispatches (pc.chunkBegin..<pc.chunkEnd of the drive + autoSteps cell
// updates), the state carried in `saved`: llvmpipe ends a shader's loops after 65535 iterations per
// invocation (Mesa's loop limiter) and returns wrong values, so there the host splits the loop into
// dispatches under that count (LoopBudget.swift); on GPUs one dispatch runs the whole loop.

// r = sum over the 2H entries of rows a and b (offsets into st) of st[a+i]*st[b+i]; every invocation gets it.
#define DOT_ROWS(r, a, b) {                                                             \
    for (uint i_ = lid; i_ < n; i_ += ls) red[i_] = st[(a) + i_] * st[(b) + i_];         \
    barrier();                                                                           \
    r = 0.0;                                                                             \
    for (uint i_ = 0u; i_ < n; ++i_) r += red[i_];                                       \
    barrier();                                                                           \
}

// Projects row v off rows 0..j-1 of the frame at q0, twice (modified Gram-Schmidt: v -= (q_i . v) q_i).
#define ORTHOGONALIZE(j, v) {                                                            \
    for (uint p_ = 0u; p_ < 2u; ++p_) {                                                  \
        for (uint q_ = 0u; q_ < (j); ++q_) {                                             \
            float r_;                                                                    \
            DOT_ROWS(r_, q0 + q_ * n, v);                                                \
            for (uint x_ = lid; x_ < n; x_ += ls) st[(v) + x_] += -r_ * st[q0 + q_ * n + x_]; \
            barrier();                                                                   \
        }                                                                                \
    }                                                                                    \
}

void kahanAdd(uint j, float x) {
    precise float y = x - logComp[j];
    precise float t = logSum[j] + y;
    precise float lost = (t - logSum[j]) - y;
    logComp[j] = lost;
    logSum[j] = t;
}

void main() {
    uint lid = gl_LocalInvocationID.x, ls = gl_WorkGroupSize.x;
    uint s = gl_WorkGroupID.x, m = gl_WorkGroupID.y;
    uint H = pc.H, G = 4u * H, n = 2u * H, E = pc.E, k = pc.tangents, D = pc.drive;
    uint lane = m * pc.B + s;
    uint base = m * pc.P;
    uint wh = base + pc.offWh, wx = base + pc.offWx, bias = base + pc.offB, emb = base + pc.offEmb;

#ifdef ROWREG
    float w[HID];
    for (uint c = 0u; c < HID; ++c) w[c] = lid < G ? params[wh + lid * H + c] : 0.0;
#define WH(r, c) w[c]
#else
#define WH(r, c) params[wh + (r) * H + (c)]
#endif
    uint savedSize = (3u + k) * n + 2u * k + 1u, sv = lane * savedSize;
    uint lost = 0u;
    if (pc.chunkBegin == 0u) {
        for (uint x = lid; x < n; x += ls) {
            st[x] = 0.0;
            st[n + x] = xi[s * n + x];
        }
        for (uint j = lid; j < K1; j += ls) { logSum[j] = 0.0; logComp[j] = 0.0; }
    } else {
        for (uint x = lid; x < (3u + k) * n; x += ls) st[x] = saved[sv + x];
        for (uint j = lid; j < k; j += ls) { logSum[j] = saved[sv + (3u + k) * n + j]; logComp[j] = saved[sv + (3u + k) * n + k + j]; }
        lost = floatBitsToUint(saved[sv + savedSize - 1u]);
    }
    barrier();

    // Drive: base and twin A.
    for (uint t = pc.chunkBegin; t < min(D, pc.chunkEnd); ++t) {
        uint id = uint(tokens[s * D + t]);
        for (uint r = lid; r < G; r += ls) {
            float inp = 0.0;
            for (uint e = 0u; e < E; ++e) inp += params[wx + r * E + e] * params[emb + id * E + e];
            inp = params[bias + r] + inp;
            for (uint row = 0u; row < 2u; ++row) {
                float acc = 0.0;
                for (uint c = 0u; c < HID; ++c) acc += WH(r, c) * st[row * n + c];
                pr[row * G + r] = acc + inp;
            }
        }
        barrier();
        for (uint idx = lid; idx < 2u * H; idx += ls) {
            uint row = idx / H, j = idx % H, a = row * G, h = row * n;
            float i = sigmoid_(pr[a + j]), f = sigmoid_(pr[a + H + j]);
            float g = tanh_(pr[a + 2u * H + j]), o = sigmoid_(pr[a + 3u * H + j]);
            float cNew = f * st[h + H + j] + i * g;
            st[h + H + j] = cNew;
            st[h + j] = o * tanh_(cNew);
        }
        barrier();
    }

    // Zero-input phase: twin B = base + xi, the initial frame.
    if (pc.chunkBegin <= D && D < pc.chunkEnd) {
        for (uint x = lid; x < n; x += ls) st[2u * n + x] = st[x] + xi[s * n + x];
        for (uint x = lid; x < k * n; x += ls) st[3u * n + x] = frames[s * k * n + x];
        barrier();
    }
    uint rows = 3u + k, total = pc.autoSteps;
    // Zero-input step `step` is cell update D + step - 1 of the whole run.
    uint first = max(D, pc.chunkBegin) - D + 1u, last = min(total, pc.chunkEnd > D ? pc.chunkEnd - D : 0u);
    for (uint step = first; step <= last; ++step) {
        for (uint r = lid; r < G; r += ls) {
            float inp = params[bias + r];
            for (uint row = 0u; row < rows; ++row) {
                float acc = 0.0;
                for (uint c = 0u; c < HID; ++c) acc += WH(r, c) * st[row * n + c];
                pr[row * G + r] = row < 3u ? acc + inp : acc;
            }
        }
        barrier();
        for (uint idx = lid; idx < 3u * H; idx += ls) {
            uint row = idx / H, j = idx % H, a = row * G, h = row * n;
            float i = sigmoid_(pr[a + j]), f = sigmoid_(pr[a + H + j]);
            float g = tanh_(pr[a + 2u * H + j]), o = sigmoid_(pr[a + 3u * H + j]);
            float cOld = st[h + H + j];
            float cNew = f * cOld + i * g;
            float tau = tanh_(cNew);
            st[h + H + j] = cNew;
            st[h + j] = o * tau;
            if (row == 0u) {
                co[j] = g * (i * (1.0 - i));
                co[H + j] = cOld * (f * (1.0 - f));
                co[2u * H + j] = i * (1.0 - g * g);
                co[3u * H + j] = f;
                co[4u * H + j] = tau * (o * (1.0 - o));
                co[5u * H + j] = o * (1.0 - tau * tau);
            }
        }
        barrier();
        for (uint idx = lid; idx < k * H; idx += ls) {
            uint row = 3u + idx / H, j = idx % H, q = row * G, dh = row * n;
            float c = co[3u * H + j] * st[dh + H + j];
            c += co[H + j] * pr[q + H + j];
            c += co[j] * pr[q + j];
            c += co[2u * H + j] * pr[q + 2u * H + j];
            st[dh + H + j] = c;
            st[dh + j] = co[4u * H + j] * pr[q + 3u * H + j] + co[5u * H + j] * c;
        }
        barrier();
        uint tr = min(pc.transient, total - 1u);
        if (k > 0u && (step % pc.renorm == 0u || step == tr || step == total)) {
            // Modified Gram-Schmidt with reorthogonalisation of the k tangent rows (GramSchmidt on the CPU).
            bool accumulate = step > tr;
            uint q0 = 3u * n;
            for (uint j = 0u; j < k; ++j) {
                uint v = q0 + j * n;
                ORTHOGONALIZE(j, v);
                float norm2;
                DOT_ROWS(norm2, v, v);
                float norm = sqrt(norm2);
                if (isnan(norm)) {
                    if (accumulate && lid == 0u) kahanAdd(j, norm);
                    RECORD_FIRST(j, norm);
                } else if (norm >= 1.175494351e-38 && !isinf(norm)) {
                    float sc = 1.0 / norm;
                    for (uint x = lid; x < n; x += ls) st[v + x] *= sc;
                    barrier();
                    if (accumulate && lid == 0u) kahanAdd(j, log(norm));
                    RECORD_FIRST(j, log(norm));
                } else {
                    // Collapsed: ln of the smallest normal (or largest finite) float, then the first unit
                    // vector e_{(j+e) mod 2H} that survives orthogonalisation.
                    lost += 1u;
                    if (accumulate && lid == 0u) kahanAdd(j, isinf(norm) ? 88.72283905 : -87.33654475);
                    RECORD_FIRST(j, isinf(norm) ? 88.72283905 : -87.33654475);
                    for (uint e = 0u; e < n; ++e) {
                        uint axis = (j + e) % n;
                        for (uint x = lid; x < n; x += ls) st[v + x] = x == axis ? 1.0 : 0.0;
                        barrier();
                        ORTHOGONALIZE(j, v);
                        float r2;
                        DOT_ROWS(r2, v, v);
                        if (r2 > 0.25) {
                            float sc = 1.0 / sqrt(r2);
                            for (uint x = lid; x < n; x += ls) st[v + x] *= sc;
                            barrier();
                            break;
                        }
                    }
                }
            }
        }
    }

    barrier();
    if (pc.chunkEnd < D + total) {
        for (uint x = lid; x < (3u + k) * n; x += ls) saved[sv + x] = st[x];
        for (uint j = lid; j < k; j += ls) { saved[sv + (3u + k) * n + j] = logSum[j]; saved[sv + (3u + k) * n + k + j] = logComp[j]; }
        if (lid == 0u) saved[sv + savedSize - 1u] = uintBitsToFloat(lost);
        return;
    }
    for (uint x = lid; x < 3u * H; x += ls) finalH[lane * 3u * H + x] = st[(x / H) * n + x % H];
    for (uint j = lid; j < k; j += ls) {
        logs[lane * 2u * k + j] = logSum[j];
        logs[lane * 2u * k + k + j] = logComp[j];
    }
    for (uint x = lid; x < k * n; x += ls) finalQ[lane * k * n + x] = st[3u * n + x];
    if (lid == 0u) collapsed[lane] = lost;
}
