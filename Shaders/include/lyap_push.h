/* The one push-constant block of every lyap kernel, written once in the subset of C and GLSL both
 * accept (4-byte scalars only). GLSL includes it inside `layout(push_constant) uniform Push { ... }`;
 * C includes it inside `typedef struct { ... } LyapPush;` (Sources/CLyapShared). A test checks that
 * Swift sees 32 fields, 128 bytes. Sizes are per model; every buffer holds M models back to back. */
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
uint pad0;
uint pad1;
uint pad2;
uint pad3;
uint pad4;
uint pad5;
uint pad6;
uint pad7;
uint pad8;
uint pad9;
uint pad10;
uint pad11;
