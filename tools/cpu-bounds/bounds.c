// What this CPU can do for the 4-bit decode kernels, independent of ShawBot's code:
//   1. DRAM read bandwidth, 1 and 2 threads, streaming a 150 MB buffer with AVX-512 loads;
//   2. throughput of the instruction pairs a 4-bit GEMV needs per 16 values: a 16-entry permute
//      (VPERMPS, the table lookup) and an FMA, alone and interleaved (independent chains);
//   3. the resulting ceiling for packed 4-bit weights: 8 bytes per (permute + FMA) pair;
//   4. int8 multiply-accumulate throughput on 2 threads (the prefill GEMM's ceiling): VPDPBUSD on 256 bits
//      (what .NET 10 exposes here, AvxVnni), VPDPBUSD on 512 bits (AVX512-VNNI, not exposed by .NET 10)
//      and VPMADDUBSW + VPMADDWD on 512 bits (Avx512BW), 12 independent chains each.
// Build and run (x86-64 with AVX-512):
//   gcc -O2 -march=native -fopenmp tools/cpu-bounds/bounds.c -o /tmp/bounds && /tmp/bounds
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static double read_bandwidth(const uint8_t *p, size_t n, int threads) {
    double best = 1e9; volatile int sink = 0;
    for (int rep = 0; rep < 10; rep++) {
        double t = now(); int total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
        {
            int i = omp_get_thread_num(), m = omp_get_num_threads();
            const uint8_t *a = p + n / m * i, *e = p + n / m * (i + 1);
            __m512i s0 = _mm512_setzero_si512(), s1 = s0;
            for (; a < e; a += 128) { s0 = _mm512_add_epi32(s0, _mm512_loadu_si512(a)); s1 = _mm512_add_epi32(s1, _mm512_loadu_si512(a + 64)); }
            total += _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1));
        }
        sink += total; t = now() - t; if (t < best) best = t;
    }
    return n / best / 1e9;
}

#define N 200000000L
#define P8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
// ns per group of (permute?, fma?) over 8 independent chains each; the empty asm keeps every
// chain live in a register.
static double pipes(int perm, int fma) {
    __m512 t = _mm512_set1_ps(1.0001f); __m512i w = _mm512_set1_epi32(0x0f0f0f0f);
#define DECL(i) __m512 p##i = _mm512_set1_ps(i), f##i = _mm512_set1_ps(i);
    P8(DECL)
    double s = now();
    for (long k = 0; k < N / 8; k++) {
#define ONE(i) if (perm) p##i = _mm512_permutexvar_ps(w, p##i); if (fma) f##i = _mm512_fmadd_ps(f##i, t, t);
        P8(ONE)
    }
#define KEEP(i) __asm__ volatile("" : : "v"(p##i), "v"(f##i));
    P8(KEEP)
    return (now() - s) / N * 1e9;
}

// GMAC/s (u8·s8 products) on `threads` threads; kind 0: VPDPBUSD ymm, 1: VPDPBUSD zmm, 2: VPMADDUBSW+VPMADDWD zmm.
#define P12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
static double int8_macs(int kind, int threads) {
    const long iters = 100000000L;
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double s = now();
#pragma omp parallel num_threads(threads)
        {
            if (kind == 0) {
                __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2);
#define D0(i) __m256i c##i = _mm256_set1_epi32(i);
                P12(D0)
                for (long k = 0; k < iters / 12; k++) {
#define S0(i) c##i = _mm256_dpbusd_avx_epi32(c##i, a, b); __asm__ volatile("" : "+v"(c##i));
                    P12(S0)
                }
#define K0(i) __asm__ volatile("" : : "v"(c##i));
                P12(K0)
            } else if (kind == 1) {
                __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
#define D1(i) __m512i c##i = _mm512_set1_epi32(i);
                P12(D1)
                for (long k = 0; k < iters / 12; k++) {
#define S1(i) c##i = _mm512_dpbusd_epi32(c##i, a, b); __asm__ volatile("" : "+v"(c##i));
                    P12(S1)
                }
                P12(K0)
            } else {
                __m512i b = _mm512_set1_epi8(-2), ones = _mm512_set1_epi16(1);
                P12(D1)
#define A2(i) __m512i a##i = _mm512_set1_epi8(i + 1);
                P12(A2)
                for (long k = 0; k < iters / 12; k++) {
                    // Each a_i is opaque to the compiler every iteration, so the products cannot be hoisted.
#define S2(i) __asm__ volatile("" : "+v"(a##i)); c##i = _mm512_add_epi32(c##i, _mm512_madd_epi16(_mm512_maddubs_epi16(a##i, b), ones)); __asm__ volatile("" : "+v"(c##i));
                    P12(S2)
                }
                P12(K0)
            }
        }
        double t = now() - s;
        if (t < best) best = t;
    }
    double macs_per_op = kind == 0 ? 32 : 64;
    return threads * (double)(iters / 12 * 12) * macs_per_op / best / 1e9;
}

int main(void) {
    size_t n = 150u << 20;
    uint8_t *buf = aligned_alloc(64, n);
    memset(buf, 1, n);
    printf("{\"figure\":\"dram-read\",\"threads\":1,\"gb_s\":%.1f}\n", read_bandwidth(buf, n, 1));
    printf("{\"figure\":\"dram-read\",\"threads\":2,\"gb_s\":%.1f}\n", read_bandwidth(buf, n, 2));
    double perm = pipes(1, 0), fma = pipes(0, 1), both = pipes(1, 1);
    printf("{\"figure\":\"pipes\",\"vpermps_ns\":%.3f,\"vfmadd_ns\":%.3f,\"vpermps_plus_vfmadd_ns\":%.3f}\n", perm, fma, both);
    // One permute + one FMA handles 16 values = 8 bytes of packed codes, on each of 2 cores.
    printf("{\"figure\":\"4bit-gemv-ceiling\",\"cores\":2,\"packed_gb_s\":%.1f}\n", 2 * 8 / both);
    printf("{\"figure\":\"int8-macs\",\"threads\":2,\"vpdpbusd_ymm_gmac_s\":%.1f,\"vpdpbusd_zmm_gmac_s\":%.1f,\"vpmaddubsw_vpmaddwd_zmm_gmac_s\":%.1f}\n",
           int8_macs(0, 2), int8_macs(1, 2), int8_macs(2, 2));
    return 0;
}
