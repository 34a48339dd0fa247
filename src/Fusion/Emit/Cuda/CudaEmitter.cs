using System.Globalization;
using System.Text;
using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using DeepGen.Fusion.Schedule;

namespace DeepGen.Fusion.Emit.Cuda;

/// <summary>
/// Turns fused pointwise kernels into CUDA C: the <see cref="CudaPrelude"/>, then per kernel an
/// <c>extern "C" __global__</c> function with a grid-stride loop over the iteration shape. Every kernel gets a
/// strided function (<c>NAME_strided</c>: inputs read through element strides, 0 along broadcast dims, so views
/// and any broadcast work) and, when its inputs' shapes allow it, a contiguous one (<c>NAME_contiguous</c>: flat
/// indices, no index arithmetic per dimension). Outputs are always contiguous with the iteration shape.
/// The output is deterministic: the same kernels give the same text.
/// </summary>
public static class CudaEmitter
{
    /// <summary>The prelude and the functions of every kernel, in order, as one translation unit.</summary>
    /// <exception cref="ArgumentException">A kernel is malformed (bad name, operand, op or output); the message names it.</exception>
    public static CudaModule EmitModule(IEnumerable<PointwiseKernel> kernels)
    {
        var source = new StringBuilder();
        source.Append(CudaPrelude.Source).Append('\n');
        var functions = new List<CudaFunction>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (PointwiseKernel kernel in kernels)
        {
            Validate(kernel);
            if (!names.Add(kernel.Name))
            {
                throw new ArgumentException($"CUDA emitter: two kernels are named '{kernel.Name}'.", nameof(kernels));
            }

            source.Append('\n').Append(Header(kernel));
            if (SupportsContiguous(kernel))
            {
                functions.Add(EmitFunction(kernel, CudaLayout.Contiguous, source));
            }

            functions.Add(EmitFunction(kernel, CudaLayout.Strided, source));
        }

        return new CudaModule(source.ToString(), functions.ToEquatableArray());
    }

    /// <summary>One kernel's module (prelude included).</summary>
    public static CudaModule Emit(PointwiseKernel kernel) => EmitModule([kernel]);

    /// <summary>
    /// True when every input is a single element, has the iteration shape, or is a trailing block of it (leading
    /// 1s aside): then a contiguous function reads it at <c>i</c>, <c>0</c> or <c>i % numel</c>.
    /// </summary>
    public static bool SupportsContiguous(PointwiseKernel kernel) => kernel.Inputs.All(input => ContiguousAccess(kernel, input) is not null);

    private enum Access
    {
        Full,
        Single,
        Trailing,
    }

    private static Access? ContiguousAccess(PointwiseKernel kernel, KernelInput input)
    {
        Dim one = Dim.Constant(1);
        Dim[] dims = input.Type.Shape.SkipWhile(d => d == one).ToArray();
        Dim[] iteration = kernel.Shape.SkipWhile(d => d == one).ToArray();
        if (dims.Length == 0)
        {
            return Access.Single;
        }

        // A size that only the running program knows may differ from an equal-looking one: no static proof.
        if (dims.Length > iteration.Length || dims.Any(d => d.Kind is DimKind.Unknown or DimKind.Rest))
        {
            return null;
        }

        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[dims.Length - 1 - i] != iteration[iteration.Length - 1 - i])
            {
                return null;
            }
        }

        return dims.Length == iteration.Length ? Access.Full : Access.Trailing;
    }

    private static CudaFunction EmitFunction(PointwiseKernel kernel, CudaLayout layout, StringBuilder source)
    {
        string name = kernel.Name + (layout == CudaLayout.Contiguous ? "_contiguous" : "_strided");
        List<CudaParam> parameters = Parameters(kernel, layout);
        var comments = new Dictionary<CudaParam, string>();
        for (int k = 0; k < kernel.Outputs.Count; k++)
        {
            KernelOutput output = kernel.Outputs[k];
            comments[parameters[k]] = $"{output.Value} {output.DType.ShortName()}{Shape(kernel.Shape)}";
        }

        for (int k = 0; k < kernel.Inputs.Count; k++)
        {
            comments[parameters[kernel.Outputs.Count + k]] = $"{kernel.Inputs[k].Value} {kernel.Inputs[k].Type}";
        }

        if (layout == CudaLayout.Strided && SupportsContiguous(kernel))
        {
            source.Append('\n');
        }

        source.Append(layout == CudaLayout.Contiguous
            ? "// contiguous inputs: flat index i (a single element at 0, a trailing block at i % numel)\n"
            : "// strided inputs: element strides per iteration dimension, 0 along broadcast dims\n");
        source.Append("extern \"C\" __global__ void ").Append(name).Append("(\n");
        for (int p = 0; p < parameters.Count; p++)
        {
            CudaParam parameter = parameters[p];
            source.Append("    ").Append(parameter.CType).Append(' ').Append(parameter.Name).Append(p + 1 < parameters.Count ? "," : ")");
            if (comments.TryGetValue(parameter, out string? comment))
            {
                source.Append(" // ").Append(comment);
            }

            source.Append('\n');
        }

        source.Append("{\n");
        source.Append("    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)\n");
        source.Append("    {\n");
        if (layout == CudaLayout.Strided && kernel.Shape.Count > 0 && kernel.Inputs.Count > 0)
        {
            EmitCoordinates(kernel.Shape.Count, source);
        }

        for (int k = 0; k < kernel.Inputs.Count; k++)
        {
            KernelInput input = kernel.Inputs[k];
            source.Append("        const ").Append(input.Type.DType.CudaName()).Append(" v").Append(k).Append(" = in").Append(k)
                .Append('[').Append(InputIndex(kernel, k, layout)).Append("];\n");
        }

        for (int s = 0; s < kernel.Steps.Count; s++)
        {
            KernelStep step = kernel.Steps[s];
            source.Append("        // ").Append(StepComment(kernel, s)).Append('\n');
            source.Append("        const ").Append(step.DType.CudaName()).Append(" t").Append(s).Append(" = ").Append(StepExpression(kernel, s)).Append(";\n");
        }

        for (int k = 0; k < kernel.Outputs.Count; k++)
        {
            KernelOutput output = kernel.Outputs[k];
            string value = "t" + output.Step.ToString(CultureInfo.InvariantCulture);
            source.Append("        out").Append(k).Append("[i] = ").Append(Convert(value, kernel.Steps[output.Step].DType, output.DType)).Append(";\n");
        }

        source.Append("    }\n}\n");
        return new CudaFunction(name, kernel.Name, layout, parameters.ToEquatableArray());
    }

    private static List<CudaParam> Parameters(PointwiseKernel kernel, CudaLayout layout)
    {
        var parameters = new List<CudaParam>();
        for (int k = 0; k < kernel.Outputs.Count; k++)
        {
            parameters.Add(new CudaParam($"out{k}", CudaParamKind.Output, k, 0, kernel.Outputs[k].DType.CudaName() + "* __restrict__"));
        }

        for (int k = 0; k < kernel.Inputs.Count; k++)
        {
            parameters.Add(new CudaParam($"in{k}", CudaParamKind.Input, k, 0, "const " + kernel.Inputs[k].Type.DType.CudaName() + "* __restrict__"));
        }

        parameters.Add(new CudaParam("n", CudaParamKind.Count, 0, 0, "long long"));
        if (layout == CudaLayout.Contiguous)
        {
            for (int k = 0; k < kernel.Inputs.Count; k++)
            {
                if (ContiguousAccess(kernel, kernel.Inputs[k]) == Access.Trailing)
                {
                    parameters.Add(new CudaParam($"in{k}_numel", CudaParamKind.InputCount, k, 0, "long long"));
                }
            }

            return parameters;
        }

        int rank = kernel.Shape.Count;
        for (int d = 0; d < rank; d++)
        {
            parameters.Add(new CudaParam($"size{d}", CudaParamKind.Size, 0, d, "long long"));
        }

        for (int k = 0; k < kernel.Inputs.Count; k++)
        {
            for (int d = 0; d < rank; d++)
            {
                parameters.Add(new CudaParam($"in{k}_stride{d}", CudaParamKind.Stride, k, d, "long long"));
            }
        }

        return parameters;
    }

    // The coordinates of flat index i in the iteration shape, last dimension fastest.
    private static void EmitCoordinates(int rank, StringBuilder source)
    {
        if (rank == 1)
        {
            source.Append("        const long long c0 = i;\n");
            return;
        }

        source.Append("        long long rest = i;\n");
        for (int d = rank - 1; d > 0; d--)
        {
            source.Append($"        const long long c{d} = rest % size{d};\n");
            source.Append($"        rest /= size{d};\n");
        }

        source.Append("        const long long c0 = rest;\n");
    }

    private static string InputIndex(PointwiseKernel kernel, int k, CudaLayout layout)
    {
        if (layout == CudaLayout.Contiguous)
        {
            return ContiguousAccess(kernel, kernel.Inputs[k]) switch
            {
                Access.Full => "i",
                Access.Single => "0",
                _ => $"i % in{k}_numel",
            };
        }

        int rank = kernel.Shape.Count;
        return rank == 0 ? "0" : string.Join(" + ", Enumerable.Range(0, rank).Select(d => $"c{d} * in{k}_stride{d}"));
    }

    private static string StepComment(PointwiseKernel kernel, int s)
    {
        KernelStep step = kernel.Steps[s];
        IEnumerable<string> operands = step.Operands.Select(o => o.Kind switch
        {
            OperandKind.Input => kernel.Inputs[o.Index].Value.ToString(),
            OperandKind.Step => new Value(kernel.Steps[o.Index].Node).ToString(),
            _ => o.Constant.ToString("R", CultureInfo.InvariantCulture),
        });
        string attrs = step.Attrs.Items.Count == 0 ? string.Empty : ", " + step.Attrs;
        return $"{new Value(step.Node)} = {step.Op}({string.Join(", ", operands)}{attrs}) : {step.DType.ShortName()}";
    }

    private static string StepExpression(PointwiseKernel kernel, int s)
    {
        KernelStep step = kernel.Steps[s];
        PointwiseFormula formula = OpTable.Get(step.Op).Formula(step.Attrs)!;
        string[] operands = new string[step.Operands.Count];
        for (int o = 0; o < operands.Length; o++)
        {
            ScalarType target = kernel.OperandTarget(step, o);
            Operand operand = step.Operands[o];
            operands[o] = operand.Kind switch
            {
                OperandKind.Input => Convert($"v{operand.Index}", kernel.Inputs[operand.Index].Type.DType, target),
                OperandKind.Step => Convert($"t{operand.Index}", kernel.Steps[operand.Index].DType, target),
                _ => Literal(operand.Constant, target),
            };
        }

        return formula.ExpandCuda(operands);
    }

    private static string Convert(string expression, ScalarType from, ScalarType to) =>
        from == to ? expression : $"({to.CudaName()}){expression}";

    /// <summary>A literal of the given type: <c>0.5f</c>, <c>2.0</c>, <c>(-3LL)</c>, <c>true</c>.</summary>
    private static string Literal(double value, ScalarType type)
    {
        if (type == ScalarType.Bool)
        {
            return value != 0 ? "true" : "false";
        }

        if (type == ScalarType.Int64)
        {
            long whole = (long)value;
            string digits = whole.ToString(CultureInfo.InvariantCulture) + "LL";
            return whole < 0 ? "(" + digits + ")" : digits;
        }

        string suffix = type == ScalarType.Float32 ? "f" : string.Empty;
        if (double.IsNaN(value))
        {
            return $"(0.0{suffix} / 0.0{suffix})";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? $"(1.0{suffix} / 0.0{suffix})" : $"(-1.0{suffix} / 0.0{suffix})";
        }

        string text = type == ScalarType.Float32
            ? ((float)value).ToString("R", CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);
        if (text.IndexOfAny(['.', 'E', 'e']) < 0)
        {
            text += ".0";
        }

        text += suffix;
        return value < 0 || (value == 0 && 1 / value < 0) ? "(" + text + ")" : text;
    }

    private static string Header(PointwiseKernel kernel)
    {
        string inputs = string.Join(", ", kernel.Inputs.Select(i => $"{i.Value} {i.Type}"));
        string outputs = string.Join(", ", kernel.Outputs.Select(o => $"{o.Value} {o.DType.ShortName()}"));
        return $"// ---- kernel {kernel.Name}: iteration shape {Shape(kernel.Shape)}; reads {(inputs.Length == 0 ? "nothing" : inputs)}; writes {outputs} ----\n";
    }

    private static string Shape(EquatableArray<Dim> shape) => "[" + string.Join(", ", shape) + "]";

    private static void Validate(PointwiseKernel kernel)
    {
        string name = kernel.Name;
        if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_') || !name.All(c => (c < 128 && char.IsLetterOrDigit(c)) || c == '_'))
        {
            throw new ArgumentException($"CUDA emitter: kernel name '{name}' is not a C identifier.", nameof(kernel));
        }

        if (kernel.Outputs.Count == 0)
        {
            throw new ArgumentException($"CUDA emitter: kernel '{name}' writes no output.", nameof(kernel));
        }

        for (int s = 0; s < kernel.Steps.Count; s++)
        {
            KernelStep step = kernel.Steps[s];
            OpDef op = OpTable.Contains(step.Op) ? OpTable.Get(step.Op) : throw Bad(kernel, s, $"has no op named '{step.Op}'");
            if (op.Kind != OpKind.Pointwise || op.Formula(step.Attrs) is null)
            {
                throw Bad(kernel, s, $"'{step.Op}' is not a pointwise op");
            }

            if (step.Operands.Count < op.MinInputs || step.Operands.Count > op.MaxInputs)
            {
                throw Bad(kernel, s, $"'{step.Op}' takes {op.MinInputs} operands, not {step.Operands.Count}");
            }

            foreach (Operand operand in step.Operands)
            {
                bool ok = operand.Kind switch
                {
                    OperandKind.Input => operand.Index >= 0 && operand.Index < kernel.Inputs.Count,
                    OperandKind.Step => operand.Index >= 0 && operand.Index < s,
                    _ => true,
                };
                if (!ok)
                {
                    throw Bad(kernel, s, $"reads {operand.Kind.ToString().ToLowerInvariant()} {operand.Index}, which does not exist before it");
                }
            }
        }

        foreach (KernelOutput output in kernel.Outputs)
        {
            if (output.Step < 0 || output.Step >= kernel.Steps.Count)
            {
                throw new ArgumentException($"CUDA emitter: kernel '{name}' stores step {output.Step}, but it has {kernel.Steps.Count} steps.", nameof(kernel));
            }
        }
    }

    private static ArgumentException Bad(PointwiseKernel kernel, int s, string detail) =>
        new($"CUDA emitter: kernel '{kernel.Name}' step {s} (node %{kernel.Steps[s].Node}) {detail}.", nameof(kernel));
}
