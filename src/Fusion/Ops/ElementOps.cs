using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>The pointwise ops: their formulas and derivatives, one entry each.</summary>
internal static class ElementOps
{
    public const string SumTo = "sum_to";

    public static IEnumerable<OpDef> All()
    {
        // Unary ops. Rules that need the output (relu, tanh, sigmoid, exp) use it, as PyTorch does, so the
        // input need not be kept.
        yield return Unary("neg", DTypeRule.Promote, "(-{0})", "(-{0})", c => [c.Op("neg", c.Grad)]);
        yield return Unary("relu", DTypeRule.Promote, "Pw.Relu({0})", "dg_relu({0})", c => [c.Op("relu_backward", c.Grad, c.Output())]);
        yield return new PointwiseOp("gelu", 1, DTypeRule.PromoteToFloat, GeluFormula, c => [c.Op("gelu_backward", c.Attrs, c.Grad, c.Input(0))]) { Transcendental = true };
        yield return Unary("silu", DTypeRule.PromoteToFloat, "Pw.Silu({0})", "dg_silu({0})", c => [c.Op("silu_backward", c.Grad, c.Input(0))], transcendental: true);
        yield return Unary("tanh", DTypeRule.PromoteToFloat, "Pw.Tanh({0})", "dg_tanh({0})", c => [c.Op("tanh_backward", c.Grad, c.Output())], transcendental: true);
        yield return Unary("sigmoid", DTypeRule.PromoteToFloat, "Pw.Sigmoid({0})", "dg_sigmoid({0})", c => [c.Op("sigmoid_backward", c.Grad, c.Output())], transcendental: true);
        yield return Unary("exp", DTypeRule.PromoteToFloat, "Pw.Exp({0})", "dg_exp({0})", c => [c.Op("mul", c.Grad, c.Output())], transcendental: true);
        yield return Unary("log", DTypeRule.PromoteToFloat, "Pw.Log({0})", "dg_log({0})", c => [c.Op("div", c.Grad, c.Input(0))], transcendental: true);
        yield return Unary("sqrt", DTypeRule.PromoteToFloat, "Pw.Sqrt({0})", "dg_sqrt({0})",
            c => [c.Op("div", c.Grad, c.Op("mul", c.Output(), c.Constant(2)))]);
        yield return Unary("rsqrt", DTypeRule.PromoteToFloat, "Pw.Rsqrt({0})", "dg_rsqrt({0})",
            c => [c.Op("mul", c.Grad, c.Op("mul", c.Constant(-0.5), c.Op("mul", c.Output(), c.Op("mul", c.Output(), c.Output()))))]);
        yield return Unary("abs", DTypeRule.Promote, "Pw.Abs({0})", "dg_abs({0})", c => [c.Op("mul", c.Grad, c.Op("sign", c.Input(0)))]);
        yield return Unary("sign", DTypeRule.Promote, "Pw.Sign({0})", "dg_sign({0})", c => [c.Op("mul", c.Grad, c.Constant(0))]);

        // Binary arithmetic: each operand's gradient is summed back over the dimensions it was broadcast along.
        yield return Binary("add", DTypeRule.Promote, "({0} + {1})", "({0} + {1})",
            c => [Need(c, 0, () => c.SumTo(c.Grad, c.Input(0))), Need(c, 1, () => c.SumTo(c.Grad, c.Input(1)))]);
        yield return Binary("sub", DTypeRule.Promote, "({0} - {1})", "({0} - {1})",
            c => [Need(c, 0, () => c.SumTo(c.Grad, c.Input(0))), Need(c, 1, () => c.SumTo(c.Op("neg", c.Grad), c.Input(1)))]);
        yield return Binary("mul", DTypeRule.Promote, "({0} * {1})", "({0} * {1})",
            c => [Need(c, 0, () => c.SumTo(c.Op("mul", c.Grad, c.Input(1)), c.Input(0))), Need(c, 1, () => c.SumTo(c.Op("mul", c.Grad, c.Input(0)), c.Input(1)))]);
        yield return Binary("div", DTypeRule.PromoteToFloat, "({0} / {1})", "({0} / {1})",
            c => [
                Need(c, 0, () => c.SumTo(c.Op("div", c.Grad, c.Input(1)), c.Input(0))),
                Need(c, 1, () => c.SumTo(c.Op("neg", c.Op("div", c.Op("mul", c.Grad, c.Input(0)), c.Op("mul", c.Input(1), c.Input(1)))), c.Input(1))),
            ]);
        yield return Binary("pow", DTypeRule.Promote, "Pw.Pow({0}, {1})", "dg_pow({0}, {1})",
            c => [
                Need(c, 0, () => c.SumTo(c.Op("mul", c.Grad, c.Op("mul", c.Input(1), c.Op("pow", c.Input(0), c.Op("sub", c.Input(1), c.Constant(1))))), c.Input(0))),
                Need(c, 1, () => c.SumTo(c.Op("mul", c.Grad, c.Op("mul", c.Output(), c.Op("log", c.Input(0)))), c.Input(1))),
            ], transcendental: true);

        // PyTorch splits the gradient evenly between equal operands of maximum/minimum.
        yield return Binary("maximum", DTypeRule.Promote, "Pw.Max({0}, {1})", "dg_max({0}, {1})", c => ExtremumVjp(c, "gt"));
        yield return Binary("minimum", DTypeRule.Promote, "Pw.Min({0}, {1})", "dg_min({0}, {1})", c => ExtremumVjp(c, "lt"));

        foreach ((string name, string method, string op) in new[] { ("gt", "Gt", ">"), ("lt", "Lt", "<"), ("ge", "Ge", ">="), ("le", "Le", "<="), ("eq", "Eq", "=="), ("ne", "Ne", "!=") })
        {
            yield return Binary(name, DTypeRule.Bool, $"Pw.{method}({{0}}, {{1}})", $"({{0}} {op} {{1}})", null);
        }

        yield return new PointwiseOp("where", 3, DTypeRule.Select, "Pw.Where({0}, {1}, {2})", "({0} ? {1} : {2})",
            c => [
                null,
                Need(c, 1, () => c.SumTo(c.Op("where", c.Input(0), c.Grad, c.Constant(0)), c.Input(1))),
                Need(c, 2, () => c.SumTo(c.Op("where", c.Input(0), c.Constant(0), c.Grad), c.Input(2))),
            ]);

        // The derivatives' own pointwise ops (not differentiated again: no double backward yet).
        yield return Binary("relu_backward", DTypeRule.Promote, "Pw.ReluBackward({0}, {1})", "dg_relu_backward({0}, {1})", null);
        yield return new PointwiseOp("gelu_backward", 2, DTypeRule.Promote, GeluBackwardFormula, null);
        yield return Binary("silu_backward", DTypeRule.Promote, "Pw.SiluBackward({0}, {1})", "dg_silu_backward({0}, {1})", null);
        yield return Binary("tanh_backward", DTypeRule.Promote, "Pw.TanhBackward({0}, {1})", "dg_tanh_backward({0}, {1})", null);
        yield return Binary("sigmoid_backward", DTypeRule.Promote, "Pw.SigmoidBackward({0}, {1})", "dg_sigmoid_backward({0}, {1})", null);
    }

    private static PointwiseFormula GeluFormula(Attrs attrs) => attrs.Text("approximate", "none") == "tanh"
        ? new PointwiseFormula("Pw.GeluTanh({0})", "dg_gelu_tanh({0})")
        : new PointwiseFormula("gelu.Gelu({0})", "dg_gelu({0})") { CSharpSetup = "PwGelu gelu = PwGelu.Load();" };

    private static PointwiseFormula GeluBackwardFormula(Attrs attrs) => attrs.Text("approximate", "none") == "tanh"
        ? new PointwiseFormula("Pw.GeluTanhBackward({0}, {1})", "dg_gelu_tanh_backward({0}, {1})")
        : new PointwiseFormula("Pw.GeluBackward({0}, {1})", "dg_gelu_backward({0}, {1})");

    private static IReadOnlyList<Value?> ExtremumVjp(VjpContext c, string wins)
    {
        // share = 1 where this operand wins, 0.5 on ties, 0 where it loses.
        Value half = c.Constant(0.5);
        Value tie = c.Op("where", c.Op("eq", c.Input(0), c.Input(1)), half, c.Constant(0));
        Value shareA = c.Op("where", c.Op(wins, c.Input(0), c.Input(1)), c.Constant(1), tie);
        Value shareB = c.Op("where", c.Op(wins, c.Input(1), c.Input(0)), c.Constant(1), tie);
        return [
            Need(c, 0, () => c.SumTo(c.Op("mul", c.Grad, shareA), c.Input(0))),
            Need(c, 1, () => c.SumTo(c.Op("mul", c.Grad, shareB), c.Input(1))),
        ];
    }

    private static Value? Need(VjpContext c, int input, Func<Value> gradient) => c.NeedsGrad(input) ? gradient() : null;

    private static PointwiseOp Unary(string name, DTypeRule rule, string csharp, string cuda, Func<VjpContext, IReadOnlyList<Value?>>? vjp, bool transcendental = false) =>
        new(name, 1, rule, csharp, cuda, vjp) { Transcendental = transcendental };

    private static PointwiseOp Binary(string name, DTypeRule rule, string csharp, string cuda, Func<VjpContext, IReadOnlyList<Value?>>? vjp, bool transcendental = false) =>
        new(name, 2, rule, csharp, cuda, vjp) { Transcendental = transcendental };
}
