/* The one push-constant block of every lyap kernel, written once in the subset of C and GLSL both
 * accept (4-byte scalars only). GLSL includes it inside `layout(push_constant) uniform Push { ... }`;
 * C includes it inside `typedef struct { ... } LyapPush;` (Sources/CLyapShared). A test checks that
 * Swift sees 32 fields, 128 bytes. Sizes are per model; every buffer holds M models back to back.
 * The training kernels read M..invB/beta1/beta2/eps; lstm_tangent (the stability analysis) reads M, B (reviews),
 * E, H, P, the offsets, and drive..tangents below. */
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
uint pad12;      /* (unused; keeps the block at 32 fields) */
uint pad13;
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
uint pad7;
uint pad8;
uint pad9;
uint pad10;
uint pad11;
