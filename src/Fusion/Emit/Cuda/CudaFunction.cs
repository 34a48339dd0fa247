namespace DeepGen.Fusion.Emit.Cuda;

/// <summary>How a CUDA function addresses its inputs.</summary>
public enum CudaLayout
{
    /// <summary>
    /// Every input is contiguous and either has the iteration shape, is a single element, or is a trailing
    /// block of it (a bias over the last dims) read at <c>i % numel</c>.
    /// </summary>
    Contiguous,

    /// <summary>Every input is read through per-dimension element strides (0 along broadcast dims), so views work too.</summary>
    Strided,
}

/// <summary>What a kernel parameter carries.</summary>
public enum CudaParamKind
{
    /// <summary>Output <see cref="CudaParam.Index"/>'s device pointer (contiguous, the iteration shape).</summary>
    Output,

    /// <summary>Input <see cref="CudaParam.Index"/>'s device pointer.</summary>
    Input,

    /// <summary>The number of elements of the iteration shape.</summary>
    Count,

    /// <summary>The size of iteration dimension <see cref="CudaParam.Dim"/>.</summary>
    Size,

    /// <summary>Input <see cref="CudaParam.Index"/>'s element stride along iteration dimension <see cref="CudaParam.Dim"/> (0 when broadcast).</summary>
    Stride,

    /// <summary>The number of elements of input <see cref="CudaParam.Index"/> (a trailing block of the iteration shape).</summary>
    InputCount,
}

/// <summary>One parameter of an emitted <c>__global__</c> function. Every parameter is 8 bytes (a pointer or a <c>long long</c>).</summary>
/// <param name="Name">Its name in the source.</param>
/// <param name="Kind">What it carries.</param>
/// <param name="Index">The input or output index (0 when not applicable).</param>
/// <param name="Dim">The iteration dimension (0 when not applicable).</param>
/// <param name="CType">Its CUDA C type.</param>
public sealed record CudaParam(string Name, CudaParamKind Kind, int Index, int Dim, string CType);

/// <summary>An emitted <c>extern "C" __global__</c> function: the name to look up in the module and its parameters in order.</summary>
/// <param name="Name">The function's name (<c>fused_relu_add_3_strided</c>).</param>
/// <param name="Kernel">The <see cref="Schedule.PointwiseKernel.Name"/> it implements.</param>
/// <param name="Layout">How it addresses its inputs.</param>
/// <param name="Parameters">Its parameters, in order.</param>
public sealed record CudaFunction(string Name, string Kernel, CudaLayout Layout, EquatableArray<CudaParam> Parameters);

/// <summary>A CUDA C translation unit: the prelude and the functions of one or more kernels.</summary>
/// <param name="Source">The whole source, ready for NVRTC.</param>
/// <param name="Functions">The functions it defines, in source order.</param>
public sealed record CudaModule(string Source, EquatableArray<CudaFunction> Functions);
