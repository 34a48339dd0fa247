namespace DeepGen.Tests.Compiled;

/// <summary>
/// Models with a data-dependent branch (a graph break), compiled here by the generator: the compiled path
/// runs a compiled region, the branch eagerly, and a second compiled region (GraphBreakTests).
/// </summary>
[Model]
public sealed partial class GatedNet : Module, ITensorModule
{
    readonly Linear fc = new(16, 32);
    readonly BatchNorm1d bn = new(32);
    readonly Dropout dropout = new(0.25);
    readonly Linear head = new(32, 4);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var h = dropout.Forward(bn.Forward(fc.Forward(x)));
        if (h.Mean().Item<float>() > 0)
        {
            h = F.Relu(h) * 2;
        }

        return head.Forward(F.Tanh(h));
    }
}

/// <summary>Two eager statements in a row, the second reading the Forward argument and declaring a tensor (typed from both arms of its `?:`) that the last region reads.</summary>
[Model]
public sealed partial class TwoBreaks : Module, ITensorModule
{
    readonly Linear fc = new(8, 8);
    readonly Linear head = new(8, 3);

    public Tensor Forward([Shape("B, 8")] Tensor x)
    {
        var h = fc.Forward(x);
        if (h.Mean().Item<float>() < 0)
        {
            h = -h;
        }

        Tensor skip = x.Mean().Item<float>() > 1 ? x * 0.5 : x;
        h = F.Gelu(h) + skip;
        return head.Forward(h);
    }
}

/// <summary>The region before the branch hands two tensors on (the residual and the normalised one): one tape node each.</summary>
[Model]
public sealed partial class ResidualGate : Module, ITensorModule
{
    readonly Linear fc = new(8, 8);
    readonly LayerNorm norm = new(8);
    readonly Linear head = new(8, 3);

    public Tensor Forward([Shape("B, 8")] Tensor x)
    {
        var skip = fc.Forward(x);
        var h = F.Gelu(norm.Forward(skip));
        if (h.Mean().Item<float>() > 0.2)
        {
            h = h * 0.5;
        }

        return head.Forward(h + skip);
    }
}
