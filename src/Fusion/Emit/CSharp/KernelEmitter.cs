using System.Globalization;
using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using DeepGen.Fusion.Schedule;

namespace DeepGen.Fusion.Emit.CSharp;

/// <summary>
/// Writes a <see cref="PointwiseKernel"/> as a struct implementing the runtime's IPointwiseKernel: when every
/// value is of one float type, SIMD loops over Vector512 (where 512-bit vectors are accelerated) and then
/// Vector256 (comparisons become lane masks), each asking for its full-size inputs a page ahead and storing
/// past the cache when the driver says the outputs are too large for it (PointwiseBlock.Streams), then the last
/// elements as one partial Vector256; a scalar loop does the block where no vectors are accelerated or types are
/// mixed. Each step is its op's <see cref="PointwiseFormula"/>, expanded over the previous steps' locals; the
/// runtime's Pw functions have an overload for every width. Setup statements of the steps' formulas (tables to keep in
/// registers) come once, before the loops.
/// </summary>
internal static class KernelEmitter
{
    public static void Write(CodeWriter w, PointwiseKernel kernel, IrGraph graph)
    {
        ScalarType? lane = LaneType(kernel);
        string ops = string.Join(", ", kernel.Steps.Select(s => "%" + s.Node + " " + s.Op));
        w.Line("/// <summary>" + ops + " over " + "[" + string.Join(", ", kernel.Shape) + "]" + (lane is null ? " (mixed types: scalar loop)" : string.Empty) + ".</summary>");
        w.Open("public readonly struct " + kernel.Name + " : IPointwiseKernel");
        // optimised from the first call: tier-0 code calls every Vector256 operator and Pw helper out of line,
        // and a kernel runs often enough in the first steps for that to cost more than the step itself
        w.Line("[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        w.Open("public void Apply(PointwiseBlock block)");
        for (int k = 0; k < kernel.Inputs.Count; k++)
        {
            KernelInput input = kernel.Inputs[k];
            IrNode producer = graph.NodeOf(input.Value);
            string what = SourceOps.IsSource(producer.Op) && producer.Attrs.Has("name") ? producer.Attrs.Text("name") : producer.Op;
            w.Line($"ReadOnlySpan<{input.Type.DType.CSharpName()}> in{k} = block.Input<{input.Type.DType.CSharpName()}>({k}); // {input.Value} {what}");
        }

        for (int k = 0; k < kernel.Outputs.Count; k++)
        {
            KernelOutput output = kernel.Outputs[k];
            w.Line($"Span<{output.DType.CSharpName()}> out{k} = block.Output<{output.DType.CSharpName()}>({k}); // {output.Value}");
        }

        w.Line("int i = 0;");
        foreach (string setup in kernel.Steps.Select(s => OpTable.Get(s.Op).Formula(s.Attrs)!.CSharpSetup).OfType<string>().Distinct())
        {
            w.Line(setup);
        }

        if (lane is { } t)
        {
            w.Line("bool stream = block.Streams;");
            foreach (VectorForm form in new[] { new VectorForm("Vector512", "Pw.LoadWide", t), new VectorForm("Vector256", "Pw.Load", t) })
            {
                w.Open($"if ({form.Name}.IsHardwareAccelerated)");
                w.Open($"for (; i <= block.Length - {form.Type}.Count; i += {form.Type}.Count)");
                WriteBody(w, kernel, graph, form);
                w.Close();
                if (form.Name == "Vector256")
                {
                    // the last few elements as one partial vector: the scalar forms cost far more per element
                    w.Line();
                    w.Open("if (i < block.Length)");
                    WriteBody(w, kernel, graph, form with { Load = "Pw.LoadPartial", Partial = true });
                    w.Line("i = block.Length;");
                    w.Close();
                }

                w.Close();
                w.Line();
            }
        }

        w.Open("for (; i < block.Length; i++)");
        WriteBody(w, kernel, graph, vector: null);
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>The one float type of every input, output and non-bool step, or null when the kernel mixes types (or has bool inputs).</summary>
    private static ScalarType? LaneType(PointwiseKernel kernel)
    {
        var types = kernel.Inputs.Select(i => i.Type.DType)
            .Concat(kernel.Outputs.Select(o => o.DType))
            .Concat(kernel.Steps.Where(s => s.DType != ScalarType.Bool).Select(s => s.DType))
            .Distinct()
            .ToList();
        bool boolOutput = kernel.Outputs.Any(o => o.DType == ScalarType.Bool);
        return types.Count == 1 && types[0].IsFloating() && !boolOutput ? types[0] : null;
    }

    /// <summary>
    /// A SIMD width of the generated loops: the vector type's name and the Pw load for it; <see cref="Partial"/> for
    /// the one vector of the last elements, fewer than its lanes, loaded and stored in part.
    /// </summary>
    private sealed record VectorForm(string Name, string Load, ScalarType Lane, bool Partial = false)
    {
        public string Type => Name + "<" + Lane.CSharpName() + ">";
    }

    private static void WriteBody(CodeWriter w, PointwiseKernel kernel, IrGraph graph, VectorForm? vector)
    {
        // a kernel with much arithmetic per element loads too slowly for the hardware prefetcher (Pw.Prefetch);
        // an input smaller than the loop is broadcast, re-read row after row from the cache
        for (int k = 0; vector is { Partial: false } && k < kernel.Inputs.Count; k++)
        {
            if (kernel.Inputs[k].Type.Shape.Equals(kernel.Shape))
                w.Line($"Pw.Prefetch(in{k}, i);");
        }

        for (int k = 0; k < kernel.Inputs.Count; k++)
        {
            string type = vector?.Type ?? kernel.Inputs[k].Type.DType.CSharpName();
            w.Line(vector is not null ? $"{type} x{k} = {vector.Load}(in{k}, i);" : $"{type} x{k} = in{k}[i];");
        }

        for (int s = 0; s < kernel.Steps.Count; s++)
        {
            KernelStep step = kernel.Steps[s];
            string[] operands = step.Operands.Select((o, index) => Operand(o, kernel, kernel.OperandTarget(step, index), vector)).ToArray();
            PointwiseFormula formula = OpTable.Get(step.Op).Formula(step.Attrs)!;
            string type = vector?.Type ?? step.DType.CSharpName();
            w.Line($"{type} s{s} = {formula.ExpandCSharp(operands)}; // %{step.Node} {step.Op}");
        }

        for (int k = 0; k < kernel.Outputs.Count; k++)
        {
            string step = "s" + kernel.Outputs[k].Step.ToString(CultureInfo.InvariantCulture);
            w.Line(vector switch
            {
                null => $"out{k}[i] = {step};",
                { Partial: true } => $"Pw.StorePartial({step}, out{k}, i);",
                _ => $"Pw.Store({step}, out{k}, i, stream);",
            });
        }
    }

    private static string Operand(Operand operand, PointwiseKernel kernel, ScalarType target, VectorForm? vector)
    {
        if (operand.Kind == OperandKind.Constant)
        {
            string literal = Literal(operand.Constant, vector?.Lane ?? target);
            return vector is null ? literal : vector.Name + ".Create(" + literal + ")";
        }

        string name = (operand.Kind == OperandKind.Input ? "x" : "s") + operand.Index.ToString(CultureInfo.InvariantCulture);
        ScalarType from = kernel.TypeOf(operand)!.Value;
        if (vector is not null && from == ScalarType.Bool && target != ScalarType.Bool)
        {
            // a comparison's lane mask used as a number: 1 where true, 0 where false
            return $"Pw.Where({name}, {vector.Type}.One, {vector.Type}.Zero)";
        }

        if (vector is not null || from == target)
        {
            return name;
        }

        if (from == ScalarType.Bool)
        {
            return $"({name} ? {Literal(1, target)} : {Literal(0, target)})";
        }

        return target == ScalarType.Bool ? $"({name} != {Literal(0, from)})" : $"(({target.CSharpName()}){name})";
    }

    /// <summary>A C# literal of <paramref name="type"/>: <c>0.5f</c>, <c>1E-05</c>, <c>float.PositiveInfinity</c>, <c>3L</c>, <c>true</c>.</summary>
    public static string Literal(double value, ScalarType type)
    {
        switch (type)
        {
            case ScalarType.Bool:
                return value != 0 ? "true" : "false";
            case ScalarType.Int64:
                return ((long)value).ToString(CultureInfo.InvariantCulture) + "L";
        }

        string name = type.CSharpName();
        if (double.IsNaN(value))
        {
            return name + ".NaN";
        }

        if (double.IsInfinity(value))
        {
            return name + (value > 0 ? ".PositiveInfinity" : ".NegativeInfinity");
        }

        string digits = type == ScalarType.Float32
            ? ((float)value).ToString("R", CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);
        if (type == ScalarType.Float32)
        {
            return digits + "f";
        }

        return digits.Contains(".") || digits.Contains("E") ? digits : digits + ".0";
    }
}
