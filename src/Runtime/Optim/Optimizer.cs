using System.Diagnostics.CodeAnalysis;
using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen.Optim;

/// <summary>
/// Base of every optimizer (PyTorch's <c>torch.optim.Optimizer</c>): parameter groups with their own
/// hyper-parameters, per-parameter state, <see cref="Step"/>, <see cref="ZeroGrad"/> and a plain-data state dict.
/// Parameters are contiguous float32/float64 leaves that require grad; a step updates them in place over their
/// storage and bumps their version counter, as any in-place op does.
/// </summary>
public abstract class Optimizer
{
    readonly List<ParamGroup> paramGroups = [];
    readonly HashSet<Tensor> registered = new(ReferenceEqualityComparer.Instance);
    Dictionary<Tensor, ParamState> state = new(ReferenceEqualityComparer.Instance);

    private protected Optimizer(string name) => Name = name;

    /// <summary>The optimizer's name as used in error messages (<c>SGD</c>, <c>Adam</c>...).</summary>
    public string Name { get; }

    public IReadOnlyList<ParamGroup> ParamGroups => paramGroups;

    /// <summary>Updates every parameter that has a gradient; parameters whose <see cref="Tensor.Grad"/> is null are skipped.</summary>
    public abstract void Step();

    /// <summary>Clears the gradients: drops them (the default, as PyTorch), or zeroes them in place.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var group in paramGroups)
            foreach (var p in group.Params)
            {
                if (p.Grad is null) continue;
                if (setToNone)
                {
                    p.Grad = null;
                    continue;
                }
                // a gradient made with history (create_graph) is cut from it before zeroing, as PyTorch does
                var g = p.Grad.Detach();
                using (GradMode.NoGrad()) g.Zero_();
                p.Grad = g;
            }
    }

    // ---- parameter groups ----

    /// <summary>Checks the parameters of a new group: contiguous float leaves, none seen before (frozen ones are accepted: they never get a gradient, so Step skips them, as in PyTorch).</summary>
    private protected Tensor[] CheckParameters(IEnumerable<Tensor> parameters)
    {
        var list = parameters.ToArray();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < list.Length; i++)
        {
            var p = list[i] ?? throw new ArgumentException($"{Name}: parameter {i} is null");
            string what = $"parameter {i} (shape {Shapes.Format(p.Shape)})";
            if (!p.IsLeaf)
                throw new ArgumentException($"{Name}: can't optimize a non-leaf tensor: {what} was made by {p.GradFn!.Name}; optimize the leaf it was computed from");
            if (!p.DType.IsFloatingPoint())
                throw new ArgumentException($"{Name}: can only optimize float32 or float64 tensors, {what} is {p.DType.Name()}");
            if (!p.IsContiguous)
                throw new ArgumentException($"{Name}: {what} is not contiguous (strides {Shapes.Format(p.Strides)}); parameters are updated in place over their storage and must be contiguous");
            if (!seen.Add(p) || registered.Contains(p))
                throw new ArgumentException($"{Name}: {what} appears more than once; some parameters appear in more than one parameter group");
        }
        return list;
    }

    /// <summary>Checks a constructor's parameter list, which must not be empty.</summary>
    private protected Tensor[] CheckInitialParameters(IEnumerable<Tensor> parameters)
    {
        var list = CheckParameters(parameters);
        if (list.Length == 0) throw new ArgumentException($"{Name}: got an empty parameter list");
        return list;
    }

    private protected void AddGroup(ParamGroup group)
    {
        group.Validate();
        foreach (var p in group.Params) registered.Add(p);
        paramGroups.Add(group);
    }

    // ---- helpers for Step ----

    /// <summary>The gradient of <paramref name="p"/> as a contiguous tensor of p's dtype and shape, or null when p has none.</summary>
    private protected Tensor? GradOf(Tensor p)
    {
        var g = p.Grad;
        if (g is null) return null;
        if (!Shapes.Equal(g.Shape, p.Shape))
            throw new InvalidOperationException($"{Name}: a parameter of shape {Shapes.Format(p.Shape)} has a gradient of shape {Shapes.Format(g.Shape)}");
        if (g.DType != p.DType)
            throw new InvalidOperationException($"{Name}: a parameter of dtype {p.DType.Name()} (shape {Shapes.Format(p.Shape)}) has a gradient of dtype {g.DType.Name()}");
        return g.RawContiguous();
    }

    /// <summary>Records an in-place update of <paramref name="p"/>, so graphs that saved its old value refuse to backward.</summary>
    private protected static void MarkUpdated(Tensor p) => p.storage.Version++;

    /// <summary>Elements from which a parameter's update is shared out over DeepGen's worker threads.</summary>
    const int ChunkedLength = 1 << 15;

    /// <summary>
    /// Runs <paramref name="update"/>(start, end) over [0, <paramref name="length"/>): in one go, or for a long
    /// parameter in a few chunks over the worker threads (<see cref="RowChunks"/>, one element a row). The
    /// updates are element-wise with no fused multiply-adds, so where a chunk ends changes no result.
    /// </summary>
    private protected static void InChunks(int length, Action<int, int> update)
    {
        int chunks = length >= ChunkedLength && WorkerTeam.Available ? 2 * Parallelism.Workers : 1;
        RowChunks.For(chunks, length, (_, start, end) => update(start, end));
    }

    /// <summary>A zeroed state tensor shaped like <paramref name="parameter"/> (a moment, a momentum buffer): it lives with the optimizer, outside any dispose scope.</summary>
    private protected static Tensor NewState(Tensor parameter) => DisposeScope.Keep(new Tensor(parameter.ShapeArray(), parameter.DType));

    private protected bool TryGetState<TState>(Tensor p, [NotNullWhen(true)] out TState? s) where TState : ParamState
    {
        s = state.TryGetValue(p, out var found) ? (TState)found : null;
        return s is not null;
    }

    private protected void SetState(Tensor p, ParamState s) => state[p] = s;

    // ---- state dict ----

    /// <summary>Copies of the per-parameter state and the groups' hyper-parameters, keyed as PyTorch's <c>state_dict()</c>.</summary>
    public OptimizerStateDict StateDict()
    {
        var stateDict = new OptimizerStateDict();
        int index = 0;
        for (int g = 0; g < paramGroups.Count; g++)
        {
            var group = paramGroups[g];
            string prefix = $"param_groups.{g}.";
            var scalars = stateDict.Scalars;
            scalars[prefix + "lr"] = group.LearningRate;
            scalars[prefix + "weight_decay"] = group.WeightDecay;
            scalars[prefix + "maximize"] = group.Maximize ? 1 : 0;
            if (group.InitialLR is { } initial) scalars[prefix + "initial_lr"] = initial;
            group.SaveHyperParameters(prefix, scalars);
            var ids = new long[group.Params.Count];
            for (int k = 0; k < ids.Length; k++, index++)
            {
                ids[k] = index;
                if (state.TryGetValue(group.Params[k], out var s)) s.Save($"state.{index}.", stateDict);
            }
            stateDict.Tensors[prefix + "params"] = Tensor.FromArray(ids);
        }
        return stateDict;
    }

    /// <summary>
    /// Restores state saved by <see cref="StateDict"/> from an optimizer with the same group sizes; saved parameters are
    /// matched to this optimizer's by position, as in PyTorch. The whole dict is checked before anything changes.
    /// </summary>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        int savedGroups = 0;
        while (stateDict.Tensors.ContainsKey($"param_groups.{savedGroups}.params")) savedGroups++;
        if (savedGroups != paramGroups.Count)
            throw new ArgumentException($"{Name}: the loaded state dict has {savedGroups} parameter groups, the optimizer has {paramGroups.Count}");

        var loaded = new Dictionary<Tensor, ParamState>(ReferenceEqualityComparer.Instance);
        for (int g = 0; g < paramGroups.Count; g++)
        {
            var group = paramGroups[g];
            string prefix = $"param_groups.{g}.";
            var ids = stateDict.GetTensor(prefix + "params", Name);
            if (ids.DType != DType.Int64 || ids.Rank != 1 || ids.Numel != group.Params.Count)
                throw new ArgumentException($"{Name}: parameter group {g} of the loaded state dict has params of shape {Shapes.Format(ids.Shape)} ({ids.DType.Name()}), the optimizer's group has {group.Params.Count} parameters");
            LoadCommonHyperParameters(group, prefix, stateDict, apply: false);
            group.LoadHyperParameters(prefix, stateDict.Scalars, apply: false);
            var idArray = ids.ToArray<long>();
            for (int k = 0; k < idArray.Length; k++)
                if (LoadState(group.Params[k], $"state.{idArray[k]}.", stateDict) is { } s)
                    loaded[group.Params[k]] = s;
        }

        for (int g = 0; g < paramGroups.Count; g++)
        {
            string prefix = $"param_groups.{g}.";
            LoadCommonHyperParameters(paramGroups[g], prefix, stateDict, apply: true);
            paramGroups[g].LoadHyperParameters(prefix, stateDict.Scalars, apply: true);
        }
        state = loaded;
    }

    void LoadCommonHyperParameters(ParamGroup group, string prefix, OptimizerStateDict stateDict, bool apply)
    {
        double lr = Hyper.LearningRate(Name, stateDict.GetScalar(prefix + "lr", Name));
        double weightDecay = Hyper.WeightDecay(Name, stateDict.GetScalar(prefix + "weight_decay", Name));
        bool maximize = stateDict.GetScalar(prefix + "maximize", Name) != 0;
        double? initial = stateDict.Scalars.TryGetValue(prefix + "initial_lr", out var v) ? v : null;
        if (!apply) return;
        group.LearningRate = lr;
        group.WeightDecay = weightDecay;
        group.Maximize = maximize;
        group.InitialLR = initial;
    }

    /// <summary>The state saved under <paramref name="prefix"/> for <paramref name="parameter"/>, or null when none was saved.</summary>
    private protected abstract ParamState? LoadState(Tensor parameter, string prefix, OptimizerStateDict stateDict);

    /// <summary>A fresh buffer for <paramref name="parameter"/> holding the saved tensor (converted to the parameter's dtype).</summary>
    private protected Tensor LoadBuffer(Tensor parameter, string key, OptimizerStateDict stateDict)
    {
        var saved = stateDict.GetTensor(key, Name);
        if (!Shapes.Equal(saved.Shape, parameter.Shape))
            throw new ArgumentException($"{Name}: '{key}' has shape {Shapes.Format(saved.Shape)}, its parameter has shape {Shapes.Format(parameter.Shape)}");
        var buffer = NewState(parameter);
        Elementwise.CopyInto(buffer, saved, "load_state_dict");
        return buffer;
    }
}
