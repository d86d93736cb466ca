/* The one push-constant block of every lyap kernel, written once in the subset of C and GLSL both
 * accept (4-byte scalars only). GLSL includes it inside `layout(push_constant) uniform Push { ... }`;
 * C includes it inside `typedef struct { ... } LyapPush;` (Sources/CLyapShared). A test checks that
 * Swift sees 32 fields, 128 bytes. Sizes are per model; every buffer holds M models back to back.
 * The training kernels read M..invB/beta1/beta2/eps, offBH, adamForm and the split* fields (the split-K gradient kernels);
 * lstm_tangent (the stability analysis) reads M, B (reviews), E, H, P, the offsets, and drive..tangents. */
uint M;          /* models trained together */
uint B;          /* sequences per batch */
uint L;          /* steps per sequence */
uint E;          /* embedding width */
uint H;          /* LSTM width */
uint V;          /* vocabulary */
uint P;          /* parameters per model (ParameterLayout.count) */
uint offEmb;     /* tensor offsets inside one model's parameters (ParameterLayout) */
uint offWx;
uint offWh;
uint offB;
uint offWd;
uint offBd;
uint segCap;     /* capacity of the per-model token segment arrays (L*B) */
uint splits;     /* split-K gradient kernels (SplitK.swift): chunks C of the row range, */
uint splitRows;  /* rows per chunk (the last chunk may be shorter), */
float invB;      /* 1 / B */
float beta1;
float beta2;
float eps;
uint drive;      /* lstm_tangent: driven steps (token ids per review) */
uint autoSteps;  /* lstm_tangent: zero-input steps after the drive (tangent steps) */
uint transient;  /* lstm_tangent: zero-input steps before log-norms accumulate */
uint renorm;     /* lstm_tangent: steps between re-orthonormalisations */
uint tangents;   /* lstm_tangent: tangent vectors k (<= the KT the kernel was compiled for) */
uint chunkBegin; /* lstm_tangent: this dispatch runs cell updates chunkBegin..<chunkEnd of drive + autoSteps */
uint chunkEnd;
uint splitOutputs; /* grad_sum_parts: outputs per model of the reduction being finished, */
uint splitDst;   /* and their offset inside one model's gradients */
uint offBH;      /* offset of bias_hh with two gate biases (ParameterLayout.biasHH); 0: one bias */
uint adamForm;   /* adam, grad_embedding: 0 torch, 1 keras (Keras 3), 2 keras2 (tf-keras); keras forms read
                    beta1/beta2 as 1 - beta1 and 1 - beta2 (Keras multiplies by those constants) */
uint pad11;      /* (unused; keeps the block at 32 fields) */
