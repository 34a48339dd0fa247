using System.Globalization;
using DeepGen.Fusion;
using DeepGen.Fusion.Emit.Cuda;
using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using DeepGen.Fusion.Schedule;

namespace DeepGen.Cuda.Tests;

/// <summary>Runs an emitted function somewhere (the CPU emulation, a GPU): copies the inputs in, launches, copies the outputs back.</summary>
public interface IKernelLauncher
{
    /// <summary>
    /// Launches <paramref name="function"/>. <paramref name="arguments"/> holds every parameter's 8-byte value in
    /// order; the launcher replaces the pointer parameters with its buffers of <paramref name="inputs"/> and of
    /// outputs of <paramref name="outputBytes"/> bytes, and returns the outputs' bytes.
    /// </summary>
    byte[][] Launch(CudaFunction function, long[] arguments, byte[][] inputs, int[] outputBytes, long count);
}

/// <summary>What one run of one function gave.</summary>
/// <param name="Function">The function's name.</param>
/// <param name="Size">The test size (N, or B).</param>
/// <param name="Transposed">Whether rank-2 inputs were stored transposed (a non-contiguous view).</param>
/// <param name="Passed">Whether every output element is within tolerance.</param>
/// <param name="MaxError">The largest error, relative to max(1, |expected|).</param>
/// <param name="Detail">The first mismatch, or empty.</param>
public sealed record CheckResult(string Function, int Size, bool Transposed, bool Passed, double MaxError, string Detail)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{(Passed ? "ok  " : "FAIL")} {Function} size={Size}{(Transposed ? " transposed" : "")} max_err={MaxError.ToString("G3", CultureInfo.InvariantCulture)}" +
        (Detail.Length == 0 ? "" : " " + Detail);
}

/// <summary>
/// Checks an emitted function against <see cref="EagerReference"/>: seeded inputs in each input's domain, the
/// kernel's steps evaluated per element with each step rounded to its dtype, and every output compared
/// (float32 within 1e-6 and float64 within 1e-12 of max(1, |expected|); integers and bools exactly).
/// </summary>
public static class KernelCheck
{
    /// <summary>Tolerance for float32 results, relative to max(1, |expected|).</summary>
    public const double Float32Tolerance = 1e-6;

    /// <summary>Tolerance for float64 results, relative to max(1, |expected|).</summary>
    public const double Float64Tolerance = 1e-12;

    /// <summary>Runs <paramref name="function"/> of <paramref name="testCase"/> at <paramref name="size"/> and compares.</summary>
    public static CheckResult Run(KernelCase testCase, CudaFunction function, int size, bool transposed, IKernelLauncher launcher)
    {
        PointwiseKernel kernel = testCase.Kernel;
        long[] shape = kernel.Shape.Select(d => Bind(d, size)).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int inputCount = kernel.Inputs.Count;
        var values = new double[inputCount][];
        var strides = new long[inputCount][];
        var inputDims = new long[inputCount][];
        var random = new Random(Seed(kernel.Name, size));
        for (int k = 0; k < inputCount; k++)
        {
            long[] dims = inputDims[k] = kernel.Inputs[k].Type.Shape.Select(d => Bind(d, size)).ToArray();
            bool swap = transposed && function.Layout == CudaLayout.Strided && dims.Length >= 2;
            strides[k] = Strides(dims, swap);
            values[k] = new double[dims.Aggregate(1L, (a, b) => a * b)];
            for (int e = 0; e < values[k].Length; e++)
            {
                values[k][e] = Draw(random, testCase.Domains[k], kernel.Inputs[k].Type.DType);
            }
        }

        long[] arguments = function.Parameters.Select(p => p.Kind switch
        {
            CudaParamKind.Count => count,
            CudaParamKind.Size => shape[p.Dim],
            CudaParamKind.Stride => IterationStride(kernel.Inputs[p.Index].Type.Shape.Count, strides[p.Index], shape, size, kernel.Inputs[p.Index], p.Dim),
            CudaParamKind.InputCount => values[p.Index].LongLength,
            _ => 0L,
        }).ToArray();

        byte[][] inputBytes = Enumerable.Range(0, inputCount).Select(k => Encode(values[k], kernel.Inputs[k].Type.DType)).ToArray();
        int[] outputBytes = kernel.Outputs.Select(o => checked((int)(count * ElementSize(o.DType)))).ToArray();
        byte[][] outputs = launcher.Launch(function, arguments, inputBytes, outputBytes, count);
        double[][] expected = Reference(kernel, shape, count, values, inputDims, strides);
        return Compare(kernel, function.Name, size, transposed && function.Layout == CudaLayout.Strided, outputs, expected);
    }

    /// <summary>The element count of the iteration shape at a test size.</summary>
    public static long Count(PointwiseKernel kernel, int size) => kernel.Shape.Aggregate(1L, (a, d) => a * Bind(d, size));

    private static long Bind(Dim d, int size) => d.Kind switch
    {
        DimKind.Constant => d.Offset,
        DimKind.Symbolic => d.Scale * (d.Symbol == "C" ? KernelCases.C : size) + d.Offset,
        _ => throw new NotSupportedException($"test shapes cannot hold {d}"),
    };

    // Element strides of a buffer with these dims; swapped: the last two dims stored the other way round.
    private static long[] Strides(long[] dims, bool swap)
    {
        long[] storage = (long[])dims.Clone();
        if (swap)
        {
            (storage[^1], storage[^2]) = (storage[^2], storage[^1]);
        }

        var strides = new long[dims.Length];
        long step = 1;
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            strides[d] = step;
            step *= storage[d];
        }

        if (swap)
        {
            (strides[^1], strides[^2]) = (strides[^2], strides[^1]);
        }

        return strides;
    }

    // An input's stride along iteration dimension d: dims align at the right; missing and size-1 dims broadcast (0).
    private static long IterationStride(int rank, long[] strides, long[] shape, int size, KernelInput input, int d)
    {
        int j = d - (shape.Length - rank);
        return j < 0 || Bind(input.Type.Shape[j], size) == 1 ? 0 : strides[j];
    }

    private static double[][] Reference(PointwiseKernel kernel, long[] shape, long count, double[][] values, long[][] inputDims, long[][] strides)
    {
        double[][] outputs = kernel.Outputs.Select(_ => new double[count]).ToArray();
        var coords = new long[shape.Length];
        var steps = new double[kernel.Steps.Count];
        for (long i = 0; i < count; i++)
        {
            long rest = i;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                coords[d] = rest % shape[d];
                rest /= shape[d];
            }

            double[] inputs = new double[kernel.Inputs.Count];
            for (int k = 0; k < inputs.Length; k++)
            {
                long offset = 0;
                int rank = inputDims[k].Length;
                for (int j = 0; j < rank; j++)
                {
                    // a size-1 dim broadcasts: always its element 0
                    offset += inputDims[k][j] == 1 ? 0 : coords[shape.Length - rank + j] * strides[k][j];
                }

                inputs[k] = values[k][offset];
            }

            for (int s = 0; s < steps.Length; s++)
            {
                steps[s] = Step(kernel, s, inputs, steps);
            }

            for (int o = 0; o < outputs.Length; o++)
            {
                outputs[o][i] = Round(steps[kernel.Outputs[o].Step], kernel.Outputs[o].DType);
            }
        }

        return outputs;
    }

    private static double Step(PointwiseKernel kernel, int s, double[] inputs, double[] steps)
    {
        KernelStep step = kernel.Steps[s];
        ScalarType compute = ComputeType(kernel, step);
        double[] operands = new double[step.Operands.Count];
        for (int o = 0; o < operands.Length; o++)
        {
            Operand operand = step.Operands[o];
            double value = operand.Kind switch
            {
                OperandKind.Input => inputs[operand.Index],
                OperandKind.Step => steps[operand.Index],
                _ => operand.Constant,
            };
            operands[o] = Round(value, step.Op == "where" && o == 0 ? ScalarType.Bool : compute);
        }

        return Round(EagerReference.Apply(step.Op, step.Attrs, compute, operands), step.DType);
    }

    // The emitter's rule, restated: bool-valued ops (comparisons) compare in the promotion of their operands.
    private static ScalarType ComputeType(PointwiseKernel kernel, KernelStep step)
    {
        if (step.DType != ScalarType.Bool || step.Op == "where")
        {
            return step.DType;
        }

        ScalarType? promoted = null;
        bool fractional = false;
        foreach (Operand operand in step.Operands)
        {
            if (operand.Kind == OperandKind.Constant)
            {
                fractional |= operand.Constant != Math.Floor(operand.Constant);
                continue;
            }

            ScalarType t = operand.Kind == OperandKind.Input ? kernel.Inputs[operand.Index].Type.DType : kernel.Steps[operand.Index].DType;
            promoted = promoted is { } p ? ScalarTypes.Promote(p, t) : t;
        }

        ScalarType result = promoted ?? ScalarType.Float32;
        return fractional && !result.IsFloating() ? ScalarType.Float32 : result;
    }

    private static double Round(double value, ScalarType type) => type switch
    {
        ScalarType.Float32 => (float)value,
        ScalarType.Int64 => (long)value,
        ScalarType.Bool => value != 0 ? 1 : 0,
        _ => value,
    };

    private static CheckResult Compare(PointwiseKernel kernel, string function, int size, bool transposed, byte[][] outputs, double[][] expected)
    {
        double worst = 0;
        string detail = "";
        bool passed = true;
        for (int o = 0; o < expected.Length; o++)
        {
            ScalarType type = kernel.Outputs[o].DType;
            double tolerance = type == ScalarType.Float32 ? Float32Tolerance : type == ScalarType.Float64 ? Float64Tolerance : 0;
            double[] got = Decode(outputs[o], type);
            for (int i = 0; i < expected[o].Length; i++)
            {
                double want = expected[o][i];
                double error = double.IsNaN(want) && double.IsNaN(got[i]) ? 0 : Math.Abs(got[i] - want) / Math.Max(1, Math.Abs(want));
                if (double.IsNaN(error))
                {
                    error = double.PositiveInfinity;
                }

                worst = Math.Max(worst, error);
                if (error > tolerance && passed)
                {
                    passed = false;
                    detail = FormattableString.Invariant($"output {o} [{i}]: got {got[i]:R}, expected {want:R}");
                }
            }
        }

        return new CheckResult(function, size, transposed, passed, worst, detail);
    }

    private static double Draw(Random random, Domain domain, ScalarType type)
    {
        if (type == ScalarType.Bool || domain == Domain.Bool)
        {
            return random.Next(2);
        }

        if (type == ScalarType.Int64)
        {
            return domain switch
            {
                Domain.Positive => random.Next(1, 5),
                Domain.Small => random.Next(0, 5),
                _ => random.Next(-4, 5),
            };
        }

        double value = domain == Domain.Positive ? 0.25 + 2.75 * random.NextDouble() : -3 + 6 * random.NextDouble();
        return Round(value, type);
    }

    /// <summary>The bytes of an element type: 4, 8, 8, 1.</summary>
    public static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float32 => 4,
        ScalarType.Bool => 1,
        _ => 8,
    };

    private static byte[] Encode(double[] values, ScalarType type)
    {
        var bytes = new byte[values.Length * ElementSize(type)];
        for (int i = 0; i < values.Length; i++)
        {
            switch (type)
            {
                case ScalarType.Float32: BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), (float)values[i]); break;
                case ScalarType.Float64: BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), values[i]); break;
                case ScalarType.Int64: BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), (long)values[i]); break;
                default: bytes[i] = values[i] != 0 ? (byte)1 : (byte)0; break;
            }
        }

        return bytes;
    }

    private static double[] Decode(byte[] bytes, ScalarType type)
    {
        var values = new double[bytes.Length / ElementSize(type)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = type switch
            {
                ScalarType.Float32 => BitConverter.ToSingle(bytes, i * 4),
                ScalarType.Float64 => BitConverter.ToDouble(bytes, i * 8),
                ScalarType.Int64 => BitConverter.ToInt64(bytes, i * 8),
                _ => bytes[i],
            };
        }

        return values;
    }

    // A stable seed (string.GetHashCode differs between runs).
    private static int Seed(string name, int size)
    {
        uint hash = 2166136261;
        foreach (char c in name)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash ^ (uint)size);
    }
}
