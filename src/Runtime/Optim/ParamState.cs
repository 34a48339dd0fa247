namespace DeepGen.Optim;

/// <summary>An optimizer's per-parameter state (momentum buffer, moment estimates, step count).</summary>
internal abstract class ParamState
{
    /// <summary>Writes copies of this state under <paramref name="prefix"/> (<c>state.{i}.</c>).</summary>
    public abstract void Save(string prefix, OptimizerStateDict stateDict);
}
