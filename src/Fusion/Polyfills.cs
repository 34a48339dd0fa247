// Polyfills for language features whose support types netstandard2.0 lacks.
// The compiler recognises these types by name, so internal copies are enough.

namespace System.Runtime.CompilerServices
{
    /// <summary>Lets <c>record</c> types and <c>init</c> accessors compile on netstandard2.0.</summary>
    internal static class IsExternalInit
    {
    }
}

namespace System.Diagnostics.CodeAnalysis
{
    /// <summary>Nullable analysis: the annotated out parameter is non-null when the method returns <see cref="ReturnValue"/>.</summary>
    [AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
    internal sealed class NotNullWhenAttribute : Attribute
    {
        public NotNullWhenAttribute(bool returnValue) => ReturnValue = returnValue;

        public bool ReturnValue { get; }
    }
}
