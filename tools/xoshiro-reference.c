/* Reference outputs of xoshiro256** 1.0 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro256starstar.c),
 * seeded as LabRNG(seed:) seeds it: the four state words are the first four SplitMix64(seed) outputs
 * (https://prng.di.unimi.it/splitmix64.c). Written from the published definitions, independently of
 * Sources/LyapCore; prints the values LabRNGTests.xoshiroKnownValues asserts.
 * Build and run: cc -O2 -o /tmp/xoshiro-reference tools/xoshiro-reference.c && /tmp/xoshiro-reference */
#include <inttypes.h>
#include <stdio.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(const uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next(uint64_t s[4]) {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

int main(void) {
    const uint64_t seeds[] = {0, 42, 0xFFFFFFFFFFFFFFFF};
    for (int i = 0; i < 3; i++) {
        uint64_t x = seeds[i], s[4];
        for (int j = 0; j < 4; j++) s[j] = splitmix64(&x);
        printf("seed 0x%016" PRIX64 ":", seeds[i]);
        for (int j = 0; j < 6; j++) printf(" 0x%016" PRIX64, next(s));
        printf("\n");
    }
    return 0;
}
