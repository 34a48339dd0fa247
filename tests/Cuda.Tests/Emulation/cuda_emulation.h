// CPU emulation of the CUDA C that DeepGen's fused pointwise kernels use, so g++ can compile an emitted
// module unchanged and the tests can check its numbers without a GPU. Only what a grid-stride elementwise
// kernel needs: the qualifiers, the index variables, and a launch that runs every (block, thread) pair in
// turn on the calling thread (no __syncthreads, shared memory or warp functions: those kernels need threads).
#pragma once

#include <cmath>
#include <cstddef>
#include <math.h>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __forceinline__ inline

struct dg_emu_uint3
{
    unsigned x = 0, y = 0, z = 0;
};

inline thread_local dg_emu_uint3 threadIdx, blockIdx, blockDim, gridDim;

// Calls kernel with its parameters read from args, as cuLaunchKernel's kernelParams: args[i] points at parameter i.
template <typename... P, std::size_t... I>
void dg_emu_call(void (*kernel)(P...), void** args, std::index_sequence<I...>)
{
    kernel(*static_cast<std::remove_cv_t<P>*>(args[I])...);
}

// kernel<<<grid, block>>>(args...): every thread of every block, one after another.
template <typename... P>
void dg_emu_launch(void (*kernel)(P...), unsigned grid, unsigned block, void** args)
{
    gridDim = {grid, 1, 1};
    blockDim = {block, 1, 1};
    for (unsigned b = 0; b < grid; b++)
    {
        for (unsigned t = 0; t < block; t++)
        {
            blockIdx = {b, 0, 0};
            threadIdx = {t, 0, 0};
            dg_emu_call(kernel, args, std::index_sequence_for<P...>{});
        }
    }
}
