// Natively on x86-64 with GCC, the hot kernels are compiled twice (AVX2+FMA and baseline)
// and the loader picks the one the CPU supports; the default build stays portable.
// Under Emscripten the build's -msimd128 applies instead.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__EMSCRIPTEN__)
#define ITO_NN_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ITO_NN_KERNEL
#endif
