namespace DeepGen.Optim;

/// <summary>
/// An optimizer's state as plain data, keyed as PyTorch's <c>state_dict()</c> flattens it:
/// <c>state.{i}.exp_avg</c> (per-parameter buffers, i counting parameters across groups in order),
/// <c>state.{i}.step</c>, <c>param_groups.{g}.lr</c>, <c>param_groups.{g}.betas.0</c>, and
/// <c>param_groups.{g}.params</c> (an int64 tensor of the parameter indices in group g).
/// Booleans are stored as 0 or 1. Tensors are copies, not the optimizer's live buffers.
/// </summary>
public sealed class OptimizerStateDict
{
    public Dictionary<string, Tensor> Tensors { get; } = [];

    public Dictionary<string, double> Scalars { get; } = [];

    internal double GetScalar(string key, string optimizer) =>
        Scalars.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"{optimizer}: the state dict has no scalar '{key}'");

    internal Tensor GetTensor(string key, string optimizer) =>
        Tensors.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"{optimizer}: the state dict has no tensor '{key}'");
}
