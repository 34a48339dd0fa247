using System.Collections;

namespace DeepGen;

/// <summary>Modules applied in order, each to the previous one's output (PyTorch's <c>nn.Sequential</c>).</summary>
public sealed class Sequential : Module, ITensorModule, IEnumerable<Module>
{
    readonly List<Module> modules = [];

    public Sequential(params Module[] modules)
    {
        foreach (var m in modules) Append(m);
    }

    public int Count => modules.Count;

    public Module this[int index] => modules[index];

    public Sequential Append(Module module)
    {
        if (module is not ITensorModule)
            throw new ArgumentException($"Sequential: {module.GetType().Name} has no single-tensor Forward (it does not implement ITensorModule), so it cannot be chained");
        modules.Add(module);
        return this;
    }

    public Tensor Forward(Tensor input)
    {
        foreach (var m in modules) input = ((ITensorModule)m).Forward(input);
        return input;
    }

    protected internal override void VisitMembers(IModuleVisitor visitor)
    {
        for (int i = 0; i < modules.Count; i++) visitor.Module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), modules[i]);
    }

    public IEnumerator<Module> GetEnumerator() => modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A list of sub-modules registered under "0", "1", ... (PyTorch's <c>nn.ModuleList</c>).</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    readonly List<T> modules = [];

    public ModuleList(IEnumerable<T> modules) => this.modules.AddRange(modules);

    public ModuleList(params T[] modules) => this.modules.AddRange(modules);

    public int Count => modules.Count;

    public T this[int index] => modules[index];

    public void Add(T module) => modules.Add(module);

    protected internal override void VisitMembers(IModuleVisitor visitor)
    {
        for (int i = 0; i < modules.Count; i++) visitor.Module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), modules[i]);
    }

    public IEnumerator<T> GetEnumerator() => modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
