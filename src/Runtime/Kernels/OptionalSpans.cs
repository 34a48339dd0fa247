namespace DeepGen.Kernels;

/// <summary>The elements of an optional contiguous tensor, or an empty span: how kernels are told an operand is absent.</summary>
internal static class OptionalSpans
{
    public static ReadOnlySpan<T> Read<T>(Tensor? t) where T : unmanaged => t is null ? [] : t.ContiguousSpan<T>();

    public static Span<T> Write<T>(Tensor? t) where T : unmanaged => t is null ? [] : t.ContiguousSpan<T>();
}
