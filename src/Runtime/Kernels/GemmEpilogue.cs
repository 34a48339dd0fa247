using System.Numerics;

namespace DeepGen.Kernels;

/// <summary>
/// What a GEMM does to each output element after the product, while the element is still in a register:
/// add a per-column bias (Linear's bias, one value per output feature), then optionally clamp at zero
/// (ReLU). The default does nothing.
/// </summary>
internal readonly record struct GemmEpilogue<T>(T[]? Bias, int BiasOffset, bool Relu) where T : unmanaged, INumber<T>
{
    public bool IsNone => Bias is null && !Relu;

    /// <summary>
    /// The epilogue as a separate pass over an m x n block of C whose first column is column
    /// <paramref name="firstColumn"/> of the product (the paths that do not tile, and edge tiles).
    /// </summary>
    public void Apply(T[] c, int offC, int ldc, int m, int n, int firstColumn = 0)
    {
        if (IsNone) return;
        for (int i = 0; i < m; i++)
        {
            var row = c.AsSpan(offC + i * ldc, n);
            if (Bias is not null)
            {
                var bias = Bias.AsSpan(BiasOffset + firstColumn, n);
                for (int j = 0; j < n; j++) row[j] += bias[j];
            }
            if (Relu)
                for (int j = 0; j < n; j++)
                    if (!(row[j] > T.Zero) && !T.IsNaN(row[j])) row[j] = T.Zero;
        }
    }
}
