using System.Globalization;

namespace DeepGen.Optim;

/// <summary>
/// Range checks for hyper-parameters, with PyTorch's wording prefixed by the optimizer's name. Values are
/// printed with the invariant culture so messages read the same on every machine.
/// </summary>
internal static class Hyper
{
    /// <summary>A value as Python prints it in PyTorch's messages (inf, -inf, nan for the special values).</summary>
    public static string Format(double value) =>
        double.IsNaN(value) ? "nan"
        : double.IsPositiveInfinity(value) ? "inf"
        : double.IsNegativeInfinity(value) ? "-inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    public static double LearningRate(string optimizer, double value) =>
        value >= 0 ? value : throw new ArgumentException($"{optimizer}: invalid learning rate: {Format(value)} (must be >= 0)");

    public static double WeightDecay(string optimizer, double value) =>
        value >= 0 ? value : throw new ArgumentException($"{optimizer}: invalid weight_decay value: {Format(value)} (must be >= 0)");

    public static double Momentum(string optimizer, double value) =>
        value >= 0 ? value : throw new ArgumentException($"{optimizer}: invalid momentum value: {Format(value)} (must be >= 0)");

    public static double Epsilon(string optimizer, double value) =>
        value >= 0 ? value : throw new ArgumentException($"{optimizer}: invalid epsilon value: {Format(value)} (must be >= 0)");

    public static double Beta(string optimizer, int index, double value) =>
        value >= 0 && value < 1 ? value : throw new ArgumentException($"{optimizer}: invalid beta parameter at index {index}: {Format(value)} (must be in [0, 1))");

    /// <summary>A finite value (dampening has no range in PyTorch, but NaN or infinity would poison every parameter).</summary>
    public static double Finite(string optimizer, string name, double value) =>
        double.IsFinite(value) ? value : throw new ArgumentException($"{optimizer}: invalid {name} value: {Format(value)} (must be finite)");
}
