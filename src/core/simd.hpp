// VKMIX_SIMD_CLONES: compiles a hot loop once per x86-64 vector width (AVX-512, AVX2, baseline)
// and picks the widest the CPU has when the program loads. The build targets baseline x86-64, so
// without it those loops run two doubles wide on machines that do eight. Every clone does the
// same IEEE operations in the same order on each lane (the build says -ffp-contract=off, so the
// AVX-512 clone fuses no multiply-add, and vectorising a loop over independent outputs
// reassociates nothing), so all give the same bits.
#pragma once

// GCC only: Clang (the fuzz builds) clones no templates, wants the attribute on out-of-line
// definitions too and warns that clones reached through pointers are unused.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__has_attribute)
#if __has_attribute(target_clones) && !defined(__SANITIZE_ADDRESS__)
#define VKMIX_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef VKMIX_SIMD_CLONES
#define VKMIX_SIMD_CLONES
#endif
