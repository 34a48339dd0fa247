using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Schedule;

/// <summary>Where a step of a fused kernel reads an operand from.</summary>
public enum OperandKind
{
    /// <summary>Element i of kernel input <see cref="Operand.Index"/> (broadcast to the iteration shape).</summary>
    Input,

    /// <summary>The result of an earlier step.</summary>
    Step,

    /// <summary>A literal (<see cref="Operand.Constant"/>), already of the step's dtype.</summary>
    Constant,
}

/// <summary>One operand of a step.</summary>
/// <param name="Kind">Where it comes from.</param>
/// <param name="Index">The input or step index (0 for constants).</param>
/// <param name="Constant">The literal value for <see cref="OperandKind.Constant"/>.</param>
public sealed record Operand(OperandKind Kind, int Index, double Constant)
{
    /// <summary>Element i of input <paramref name="index"/>.</summary>
    public static Operand OfInput(int index) => new(OperandKind.Input, index, 0);

    /// <summary>The result of step <paramref name="index"/>.</summary>
    public static Operand OfStep(int index) => new(OperandKind.Step, index, 0);

    /// <summary>A literal.</summary>
    public static Operand OfConstant(double value) => new(OperandKind.Constant, 0, value);
}

/// <summary>One pointwise op inside a fused kernel, in SSA order.</summary>
/// <param name="Op">The pointwise op (its <see cref="Ops.PointwiseFormula"/> gives the expression).</param>
/// <param name="Operands">Its operands.</param>
/// <param name="Attrs">The op's attributes (gelu's <c>approximate</c>).</param>
/// <param name="DType">The step's result dtype.</param>
/// <param name="Node">The graph node it computes, for comments and debugging.</param>
public sealed record KernelStep(string Op, EquatableArray<Operand> Operands, Attrs Attrs, ScalarType DType, int Node);

/// <summary>A tensor a fused kernel reads.</summary>
/// <param name="Value">The graph value.</param>
/// <param name="Type">Its type; its shape broadcasts to the kernel's iteration shape.</param>
public sealed record KernelInput(Value Value, TensorType Type);

/// <summary>A tensor a fused kernel writes (with the iteration shape).</summary>
/// <param name="Step">The step whose result is stored.</param>
/// <param name="Value">The graph value it materialises.</param>
/// <param name="DType">The stored dtype.</param>
public sealed record KernelOutput(int Step, Value Value, ScalarType DType);

/// <summary>
/// A fused elementwise kernel: for every index of <see cref="Shape"/>, load the inputs (broadcast),
/// run the steps, store the outputs. The fusion planner makes these from chains of pointwise nodes;
/// the C# emitter turns each into a SIMD loop and the CUDA emitter into a <c>__global__</c> function.
/// </summary>
/// <param name="Name">A C identifier, unique within the graph (<c>fused_relu_add_3</c>).</param>
/// <param name="Shape">The iteration shape (every output's shape).</param>
/// <param name="Inputs">The tensors it reads.</param>
/// <param name="Steps">The ops, in order.</param>
/// <param name="Outputs">The tensors it writes.</param>
public sealed record PointwiseKernel(
    string Name,
    EquatableArray<Dim> Shape,
    EquatableArray<KernelInput> Inputs,
    EquatableArray<KernelStep> Steps,
    EquatableArray<KernelOutput> Outputs)
{
    /// <summary>The dtype an input or step operand holds; null for a literal, which takes the type it is used at.</summary>
    public ScalarType? TypeOf(Operand operand) => operand.Kind switch
    {
        OperandKind.Input => Inputs[operand.Index].Type.DType,
        OperandKind.Step => Steps[operand.Index].DType,
        _ => null,
    };

    /// <summary>
    /// The type a step computes in: its dtype, except for ops whose result is bool (comparisons), which
    /// compare in the promotion of their operands (a fractional literal lifts integers to float32).
    /// Both emitters convert operands with this rule, so the C# and CUDA kernels agree.
    /// </summary>
    public ScalarType ComputeType(KernelStep step)
    {
        if (step.DType != ScalarType.Bool || step.Op == "where")
        {
            return step.DType;
        }

        ScalarType? promoted = null;
        bool fractionalLiteral = false;
        foreach (Operand operand in step.Operands)
        {
            if (TypeOf(operand) is { } t)
            {
                promoted = promoted is { } p ? ScalarTypes.Promote(p, t) : t;
            }
            else
            {
                fractionalLiteral |= operand.Constant != Math.Floor(operand.Constant);
            }
        }

        ScalarType result = promoted ?? ScalarType.Float32;
        return fractionalLiteral && !result.IsFloating() ? ScalarType.Float32 : result;
    }

    /// <summary>The type operand <paramref name="index"/> of <paramref name="step"/> is converted to: where's condition stays bool, the rest take the compute type.</summary>
    public ScalarType OperandTarget(KernelStep step, int index) =>
        step.Op == "where" && index == 0 ? ScalarType.Bool : ComputeType(step);
}
