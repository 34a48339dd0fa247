using DeepGen.Kernels;

namespace DeepGen;

// Factory functions with PyTorch's names and defaults (float32 unless said otherwise).
public sealed partial class Tensor
{
    public static Tensor Zeros(params int[] shape) => Zeros(shape, DType.Float32);

    public static Tensor Zeros(int[] shape, DType dtype)
    {
        Shapes.CheckShape(shape, "zeros");
        return new Tensor((int[])shape.Clone(), dtype);
    }

    public static Tensor Ones(params int[] shape) => Full(shape, 1.0, DType.Float32);

    public static Tensor Ones(int[] shape, DType dtype) => Full(shape, 1.0, dtype);

    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32)
    {
        Shapes.CheckShape(shape, "full");
        var t = Uninitialized((int[])shape.Clone(), dtype);
        t.FillRaw(value);
        return t;
    }

    public static Tensor ZerosLike(Tensor t) => new(t.ShapeArray(), t.DType);

    public static Tensor OnesLike(Tensor t) => Full(t.shape, 1.0, t.DType);

    public static Tensor FullLike(Tensor t, double value) => Full(t.shape, value, t.DType);

    /// <summary>A zero-dimensional tensor holding one value.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);

    /// <summary>A tensor of the given shape holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray<T>(T[] data, params int[] shape) where T : unmanaged => FromSpan<T>(data, shape);

    /// <summary>A 1-D tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray<T>(T[] data) where T : unmanaged => FromSpan<T>(data, [data.Length]);

    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, params int[] shape) where T : unmanaged
    {
        Shapes.CheckShape(shape, "from_array");
        if (Shapes.Numel(shape) != data.Length)
            throw new ArgumentException($"from_array: {data.Length} values cannot fill a tensor of shape {Shapes.Format(shape)} ({Shapes.Numel(shape)} elements)");
        var t = new Tensor(new Storage<T>(data.ToArray()), (int[])shape.Clone(), Shapes.ContiguousStrides(shape), 0);
        return t;
    }

    /// <summary>A 2-D tensor from a rectangular array: <c>Tensor.FromArray(new float[,] {{1, 2}, {3, 4}})</c>.</summary>
    public static Tensor FromArray<T>(T[,] data) where T : unmanaged
    {
        int rows = data.GetLength(0), cols = data.GetLength(1);
        var flat = new T[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                flat[i * cols + j] = data[i, j];
        return new Tensor(new Storage<T>(flat), [rows, cols], [cols, 1], 0);
    }

    /// <summary>Values start, start+step, ... up to but excluding end (int64, as <c>torch.arange</c> with integer arguments).</summary>
    public static Tensor Arange(long end) => Arange(0, end, 1);

    public static Tensor Arange(long start, long end, long step = 1)
    {
        if (step == 0) throw new ArgumentException("arange: step must be nonzero");
        long count = Math.Max(0, (end - start + step - Math.Sign(step)) / step);
        var data = new long[count];
        for (long i = 0; i < count; i++) data[i] = start + i * step;
        return FromArray(data);
    }

    /// <summary>Floating-point arange: ceil((end - start) / step) values.</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32)
    {
        if (step == 0) throw new ArgumentException("arange: step must be nonzero");
        int count = (int)Math.Max(0, Math.Ceiling((end - start) / step));
        var t = new Tensor([count], DType.Float64);
        var data = t.Data<double>();
        for (int i = 0; i < count; i++) data[i] = start + i * step;
        return dtype == DType.Float64 ? t : t.To(dtype);
    }

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(double start, double end, int steps, DType dtype = DType.Float32)
    {
        if (steps < 0) throw new ArgumentException($"linspace: number of steps must be non-negative, got {steps}");
        var t = new Tensor([steps], DType.Float64);
        var data = t.Data<double>();
        double delta = steps > 1 ? (end - start) / (steps - 1) : 0;
        // fill from both ends, as PyTorch does, so the last value is exactly end
        for (int i = 0; i < steps; i++) data[i] = i < steps / 2 ? start + i * delta : end - (steps - 1 - i) * delta;
        return dtype == DType.Float64 ? t : t.To(dtype);
    }

    /// <summary>An n x m matrix with ones on the diagonal.</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32)
    {
        int cols = m ?? n;
        Shapes.CheckShape([n, cols], "eye");
        var t = new Tensor([n, cols], DType.Float64);
        var data = t.Data<double>();
        for (int i = 0; i < Math.Min(n, cols); i++) data[i * cols + i] = 1;
        return dtype == DType.Float64 ? t : t.To(dtype);
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(int[] shape, DType dtype = DType.Float32, Generator? generator = null) =>
        Sample(shape, dtype, generator ?? Generator.Default, "rand", static g => g.NextDouble());

    public static Tensor Rand(params int[] shape) => Rand(shape, DType.Float32);

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(int[] shape, DType dtype = DType.Float32, Generator? generator = null) =>
        Sample(shape, dtype, generator ?? Generator.Default, "randn", static g => g.NextNormal());

    public static Tensor Randn(params int[] shape) => Randn(shape, DType.Float32);

    /// <summary>Uniform integers in [low, high), int64.</summary>
    public static Tensor Randint(long low, long high, int[] shape, Generator? generator = null)
    {
        if (high <= low) throw new ArgumentException($"randint: high ({high}) must be greater than low ({low})");
        Shapes.CheckShape(shape, "randint");
        var g = generator ?? Generator.Default;
        var t = new Tensor((int[])shape.Clone(), DType.Int64);
        var data = t.Data<long>();
        for (int i = 0; i < data.Length; i++) data[i] = g.NextInt64(low, high);
        return t;
    }

    static Tensor Sample(int[] shape, DType dtype, Generator g, string op, Func<Generator, double> next)
    {
        Shapes.CheckShape(shape, op);
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"{op}: dtype must be floating point, got {dtype.Name()}");
        var t = new Tensor((int[])shape.Clone(), dtype);
        if (dtype == DType.Float32)
        {
            var data = t.Data<float>();
            for (int i = 0; i < data.Length; i++) data[i] = (float)next(g);
        }
        else
        {
            var data = t.Data<double>();
            for (int i = 0; i < data.Length; i++) data[i] = next(g);
        }
        return t;
    }

    /// <summary>Sets every element of this (freshly allocated, contiguous) tensor.</summary>
    void FillRaw(double value)
    {
        switch (DType)
        {
            case DType.Float32: ContiguousSpan<float>().Fill((float)value); break;
            case DType.Float64: ContiguousSpan<double>().Fill(value); break;
            case DType.Int64: ContiguousSpan<long>().Fill((long)value); break;
            case DType.Bool: ContiguousSpan<bool>().Fill(value != 0); break;
        }
    }
}
