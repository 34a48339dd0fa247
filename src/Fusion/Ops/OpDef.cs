using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>How the fusion planner and the emitters treat an op.</summary>
public enum OpKind
{
    /// <summary><c>input</c>, <c>parameter</c>, <c>buffer</c>, <c>constant</c>.</summary>
    Source,

    /// <summary>One output element from the same-index elements of its (broadcast) inputs: fusable into one loop.</summary>
    Pointwise,

    /// <summary>Reduces dimensions (sum, mean, amax): ends a fused loop nest.</summary>
    Reduction,

    /// <summary>A new shape over the same elements (reshape, transpose): no kernel of its own.</summary>
    View,

    /// <summary>A kernel of the runtime (GEMM, convolution, pooling, normalisation, softmax): called, not generated.</summary>
    Library,
}

/// <summary>What an op's shape rule receives.</summary>
/// <param name="Op">The op's name.</param>
/// <param name="Inputs">The inputs' types.</param>
/// <param name="WeakScalars">Per input, whether it is a constant that promotes like a Python number.</param>
/// <param name="Attrs">The op's attributes.</param>
/// <param name="Source">Where the node comes from, for the error.</param>
public sealed record InferContext(string Op, IReadOnlyList<TensorType> Inputs, IReadOnlyList<bool> WeakScalars, Attrs Attrs, SourceSpan? Source)
{
    /// <summary>The error to throw: the op's name, then <paramref name="detail"/>.</summary>
    public ShapeException Fail(string detail) => new(Op, detail, Source);

    /// <summary>Normalises a dimension index against a rank, PyTorch style (negative counts from the end).</summary>
    public int Dim(long dim, int rank, string what = "dim")
    {
        int size = Math.Max(rank, 1);
        if (dim < -size || dim >= size)
        {
            throw Fail($"{what} {dim} is out of range for a tensor of rank {rank} (expected to be in [{-size}, {size - 1}])");
        }

        return (int)(dim < 0 ? dim + size : dim);
    }
}

/// <summary>
/// One op's definition, the single place its math lives for the compiler: the shape rule (and dtype
/// rule), the derivative (vector-Jacobian product, written as graph ops), and for pointwise ops the
/// scalar formula that both emitters expand. The eager runtime's kernels are tested to agree with it.
/// </summary>
public abstract class OpDef
{
    /// <summary>Declares an op.</summary>
    protected OpDef(string name, OpKind kind, int minInputs, int maxInputs)
    {
        Name = name;
        Kind = kind;
        MinInputs = minInputs;
        MaxInputs = maxInputs;
    }

    /// <summary>The op's name in graphs.</summary>
    public string Name { get; }

    /// <summary>How fusion treats it.</summary>
    public OpKind Kind { get; }

    /// <summary>The fewest inputs it takes.</summary>
    public int MinInputs { get; }

    /// <summary>The most inputs it takes.</summary>
    public int MaxInputs { get; }

    /// <summary>Inputs read only for their runtime shape (<c>sum_to</c>'s reference): the backward saves their shape, not their data.</summary>
    public virtual IReadOnlyList<int> ShapeOnlyInputs => [];

    /// <summary>Whether input <paramref name="input"/> is read for its runtime shape only (ops with any number of inputs override this).</summary>
    public virtual bool IsShapeOnlyInput(int input) => ShapeOnlyInputs.Contains(input);

    /// <summary>
    /// Whether the autodiff may compute this op's value again in the backward instead of saving it (AOTAutograd's
    /// recomputation): only pointwise ops of a few arithmetic instructions per element.
    /// </summary>
    public virtual bool CheapToRecompute => false;

    /// <summary>False for ops whose outputs carry no gradient (comparisons, argmax, the backward ops themselves).</summary>
    public virtual bool IsDifferentiable => true;

    /// <summary>The types of the outputs; throws <see cref="ShapeException"/> (through <see cref="InferContext.Fail"/>) on bad inputs.</summary>
    public abstract IReadOnlyList<TensorType> Infer(InferContext context);

    /// <summary>The gradients of the inputs (null where an input gets none), built with ops on <see cref="VjpContext.Graph"/>.</summary>
    public virtual IReadOnlyList<Value?> Vjp(VjpContext context) =>
        throw new NotSupportedException($"{Name}: the compiler has no derivative for this op yet");

    /// <summary>For pointwise ops, the scalar formula for these attributes; null for the others.</summary>
    public virtual PointwiseFormula? Formula(Attrs attrs) => null;
}

/// <summary>
/// A pointwise op's scalar formula, as expression templates over its operands <c>{0}</c>, <c>{1}</c>, ...
/// C# templates call <c>DeepGen.Compiled.Pw</c>, whose functions have float, double and Vector256
/// overloads, so one template serves the scalar tail and the SIMD body; CUDA templates call the
/// <c>dg_</c> device functions of the CUDA prelude.
/// </summary>
/// <param name="CSharp">The C# expression template.</param>
/// <param name="Cuda">The CUDA C expression template.</param>
public sealed record PointwiseFormula(string CSharp, string Cuda)
{
    /// <summary>
    /// A C# statement a kernel runs once, before its loops, for its C# template to use (GELU's tables, loaded into
    /// registers: <c>PwGelu gelu = PwGelu.Load();</c>); null when the template needs none.
    /// </summary>
    public string? CSharpSetup { get; init; }

    /// <summary>The C# expression for these operand expressions.</summary>
    public string ExpandCSharp(params string[] operands) => string.Format(System.Globalization.CultureInfo.InvariantCulture, CSharp, operands);

    /// <summary>The CUDA expression for these operand expressions.</summary>
    public string ExpandCuda(params string[] operands) => string.Format(System.Globalization.CultureInfo.InvariantCulture, Cuda, operands);
}
