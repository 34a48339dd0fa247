using DeepGen.Autograd;

namespace DeepGen;

/// <summary>What <see cref="Module.LoadStateDict"/> found: keys the module has that the dict lacked, and the reverse.</summary>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

public abstract partial class Module
{
    /// <summary>
    /// Parameters and persistent buffers under PyTorch's dotted names (<c>conv1.weight</c>,
    /// <c>bn1.running_mean</c>). The tensors are detached and share storage with the module.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>();
        foreach (var (name, t) in StateEntries()) dict[name] = t.Detach();
        return dict;
    }

    /// <summary>
    /// Copies values from <paramref name="stateDict"/> into this module's parameters and buffers. Every
    /// problem is found before anything is copied, so on an exception the module is left unchanged: shape
    /// mismatches always throw; with <paramref name="strict"/> missing or unexpected keys throw too.
    /// </summary>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        var own = StateEntries();
        var ownNames = new HashSet<string>(own.Select(e => e.Key));
        var missing = own.Where(e => !stateDict.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        var unexpected = stateDict.Keys.Where(k => !ownNames.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var problems = new List<string>();
        foreach (var (name, target) in own)
        {
            if (!stateDict.TryGetValue(name, out var source)) continue;
            if (!Shapes.Equal(source.Shape, target.Shape))
                problems.Add($"size mismatch for {name}: copying a param with shape {Shapes.Format(source.Shape)} from the checkpoint, the shape in the current model is {Shapes.Format(target.Shape)}");
            else if (source.DType.IsFloatingPoint() != target.DType.IsFloatingPoint())
                problems.Add($"dtype mismatch for {name}: the checkpoint has {source.DType.Name()}, the model has {target.DType.Name()}");
        }
        if (strict)
        {
            if (missing.Count > 0) problems.Insert(0, "Missing key(s) in state_dict: " + string.Join(", ", missing.Select(k => $"\"{k}\"")) + ".");
            if (unexpected.Count > 0) problems.Insert(missing.Count > 0 ? 1 : 0, "Unexpected key(s) in state_dict: " + string.Join(", ", unexpected.Select(k => $"\"{k}\"")) + ".");
        }
        if (problems.Count > 0)
            throw new InvalidOperationException($"Error(s) in loading state_dict for {GetType().Name}:\n\t" + string.Join("\n\t", problems));

        using (GradMode.NoGrad())
            foreach (var (name, target) in own)
                if (stateDict.TryGetValue(name, out var source)) target.CopyRaw(source);
        return new LoadStateDictResult(missing, unexpected);
    }
}
