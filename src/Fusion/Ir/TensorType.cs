namespace DeepGen.Fusion.Ir;

/// <summary>The static type of a value in the graph: its dtype and its (possibly symbolic) shape.</summary>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The dimensions; a <see cref="Dim"/> may be symbolic (<c>B</c>) or <see cref="Dim.Unknown"/>.</param>
public sealed record TensorType(ScalarType DType, EquatableArray<Dim> Shape)
{
    /// <summary>The number of dimensions.</summary>
    public int Rank => Shape.Count;

    /// <summary>A type from its dtype and dimensions.</summary>
    public static TensorType Of(ScalarType dtype, params Dim[] shape) => new(dtype, shape.ToEquatableArray());

    /// <summary>A type with constant dimensions.</summary>
    public static TensorType Of(ScalarType dtype, params long[] shape) => new(dtype, shape.Select(Dim.Constant).ToEquatableArray());

    /// <summary>The same shape with another dtype.</summary>
    public TensorType WithDType(ScalarType dtype) => new(dtype, Shape);

    /// <summary>The same dtype with another shape.</summary>
    public TensorType WithShape(IEnumerable<Dim> shape) => new(DType, shape.ToEquatableArray());

    /// <summary>The shape alone, PyTorch style: <c>[B, 10]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Graph text: <c>f32[B, 10]</c>.</summary>
    public override string ToString() => DType.ShortName() + ShapeText;
}
