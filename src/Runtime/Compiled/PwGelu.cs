using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepGen.Kernels;

namespace DeepGen.Compiled;

/// <summary>
/// GELU for a generated kernel that keeps the float form's tables in registers: the kernel takes them once, before
/// its loops (<c>var gelu = PwGelu.Load();</c>), and calls <c>gelu.Gelu(x)</c>, which gives <see cref="Pw"/>.Gelu's
/// bits. Through Pw.Gelu the tables are constants the JIT reads from memory for every vector (see
/// <see cref="FloatGeluDirect.Tables"/>).
/// </summary>
public readonly struct PwGelu
{
    readonly FloatGeluDirect.Tables tables;

    PwGelu(FloatGeluDirect.Tables tables) => this.tables = tables;

    /// <summary>The tables, where the float form that reads them runs (AVX-512); empty elsewhere.</summary>
    public static PwGelu Load() => new(Avx512F.IsSupported ? FloatGeluDirect.Tables.Load() : default);

    public float Gelu(float x) => Pw.Gelu(x);

    public double Gelu(double x) => Pw.Gelu(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Gelu(Vector256<float> x) => FloatGelu.Gelu(x, tables);

    public Vector256<double> Gelu(Vector256<double> x) => Pw.Gelu(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Gelu(Vector512<float> x) => FloatGelu.Gelu(x, tables);

    public Vector512<double> Gelu(Vector512<double> x) => Pw.Gelu(x);
}
