using System.Collections;

namespace DeepGen.Fusion;

/// <summary>
/// An immutable array with value equality: two instances are equal when their elements are equal in
/// order. Plain data built from it (shape specs, IR, generator models) compares by value, which is what
/// lets an incremental generator cache its steps.
/// </summary>
/// <typeparam name="T">The element type; it should itself have value equality.</typeparam>
/// <remarks>
/// A class rather than a struct: the generator's pipeline values and IR are built from it, and Roslyn's
/// incremental tables and the framework's collections over reference types share code that is already
/// compiled ahead of time, where every struct instantiation would be jitted in each compiler process.
/// </remarks>
public sealed class EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
    where T : IEquatable<T>
{
    private readonly T[] _items;

    /// <summary>Wraps a copy of <paramref name="items"/>.</summary>
    public EquatableArray(IEnumerable<T> items)
    {
        _items = items.ToArray();
    }

    private EquatableArray(T[] items, bool _)
    {
        _items = items;
    }

    /// <summary>The empty array.</summary>
    public static EquatableArray<T> Empty { get; } = new([], false);

    /// <summary>Wraps <paramref name="items"/> without copying; the caller must not change it afterwards.</summary>
    internal static EquatableArray<T> TakeOwnership(T[] items) => new(items, false);

    /// <summary>The number of elements.</summary>
    public int Count => _items.Length;

    /// <summary>The element at <paramref name="index"/>.</summary>
    public T this[int index] => _items[index];

    /// <inheritdoc />
    public bool Equals(EquatableArray<T>? other)
    {
        if (other is null)
        {
            return false;
        }

        T[] a = _items;
        T[] b = other._items;
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        unchecked
        {
            int hash = 17;
            foreach (T item in _items)
            {
                hash = (hash * 31) + (item is null ? 0 : EqualityComparer<T>.Default.GetHashCode(item));
            }

            return hash;
        }
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(EquatableArray<T>? left, EquatableArray<T>? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(EquatableArray<T>? left, EquatableArray<T>? right) => !(left == right);

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The elements, separated by ", ".</summary>
    public override string ToString() => string.Join(", ", this);
}

/// <summary>Helpers to build <see cref="EquatableArray{T}"/>.</summary>
public static class EquatableArray
{
    /// <summary>Copies <paramref name="items"/> into an <see cref="EquatableArray{T}"/>.</summary>
    public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items)
        where T : IEquatable<T>
        => EquatableArray<T>.TakeOwnership(items.ToArray());
}
