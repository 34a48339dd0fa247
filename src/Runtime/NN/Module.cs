using System.Text;
using DeepGen.Autograd;

namespace DeepGen;

/// <summary>
/// Receives a module's members under the names PyTorch would give them (<c>weight</c>, <c>fc1</c>, <c>0</c>).
/// Modules describe themselves to it instead of being discovered by reflection.
/// </summary>
public interface IModuleVisitor
{
    /// <summary>A trainable tensor; null (an absent bias) is skipped.</summary>
    void Parameter(string name, Tensor? parameter);

    /// <summary>A tensor that is state but not trained (running statistics); non-persistent ones stay out of the state dict.</summary>
    void Buffer(string name, Tensor? buffer, bool persistent = true);

    /// <summary>A sub-module; its members get the prefix <c>name.</c>.</summary>
    void Module(string name, Module? module);
}

/// <summary>A module whose forward maps one tensor to one tensor, so it can sit in a <see cref="Sequential"/>.</summary>
public interface ITensorModule
{
    Tensor Forward(Tensor input);
}

/// <summary>
/// The base of every layer and model (PyTorch's <c>nn.Module</c>): named parameters, buffers and
/// sub-modules, train/eval mode, gradients zeroing, and state dicts with PyTorch's dotted key names.
/// </summary>
public abstract partial class Module
{
    /// <summary>True in training mode (dropout active, batch norm using batch statistics).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>
    /// Names this module's own parameters, buffers and sub-modules, in declaration order. Built-in layers
    /// write it by hand; the source generator writes it for <c>[Model]</c> classes.
    /// </summary>
    protected internal abstract void VisitMembers(IModuleVisitor visitor);

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    /// <summary>Every parameter of this module and its descendants, each once, with its dotted name.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters() => Collect(parameters: true, buffers: false, onlyPersistent: false);

    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedBuffers() => Collect(parameters: false, buffers: true, onlyPersistent: false);

    public IEnumerable<Tensor> Buffers() => NamedBuffers().Select(b => b.Value);

    /// <summary>This module and every descendant, with dotted names ("" for this one).</summary>
    public IReadOnlyList<KeyValuePair<string, Module>> NamedModules()
    {
        var result = new List<KeyValuePair<string, Module>>();
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        void Walk(string prefix, Module m)
        {
            if (!seen.Add(m)) return;
            result.Add(new(prefix, m));
            foreach (var (name, child) in m.NamedChildren()) Walk(prefix.Length == 0 ? name : prefix + "." + name, child);
        }
        Walk("", this);
        return result;
    }

    /// <summary>The direct sub-modules, with their names.</summary>
    public IReadOnlyList<KeyValuePair<string, Module>> NamedChildren()
    {
        var collector = new MemberCollector();
        VisitMembers(collector);
        return collector.Modules;
    }

    public IEnumerable<Module> Children() => NamedChildren().Select(c => c.Value);

    /// <summary>Sets training mode on this module and every descendant; returns this module.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = mode;
        return this;
    }

    /// <summary>Evaluation mode: <c>Train(false)</c>.</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears every parameter's gradient (to null by default, as PyTorch 2 does).</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters())
        {
            if (setToNone) p.Grad = null;
            else if (p.Grad is { } g) using (GradMode.NoGrad()) g.Zero_();
        }
    }

    /// <summary>Runs <paramref name="fn"/> on every descendant, then on this module (PyTorch's <c>apply</c>).</summary>
    public Module Apply(Action<Module> fn)
    {
        foreach (var child in Children()) child.Apply(fn);
        fn(this);
        return this;
    }

    /// <summary>The layer's arguments for <see cref="ToString"/>, as PyTorch's <c>extra_repr</c>.</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>PyTorch-style summary: <c>Net(\n  (fc1): Linear(in_features=784, out_features=10, bias=True)\n)</c>.</summary>
    public override string ToString()
    {
        var children = NamedChildren();
        var name = GetType().Name;
        if (children.Count == 0) return $"{name}({ExtraRepr()})";
        var sb = new StringBuilder(name).Append('(');
        var extra = ExtraRepr();
        if (extra.Length > 0) sb.Append("\n  ").Append(extra);
        foreach (var (childName, child) in children)
            sb.Append("\n  (").Append(childName).Append("): ").Append(child.ToString().Replace("\n", "\n  "));
        return sb.Append("\n)").ToString();
    }

    List<KeyValuePair<string, Tensor>> Collect(bool parameters, bool buffers, bool onlyPersistent)
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        var seenTensors = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var seenModules = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        void Walk(string prefix, Module m)
        {
            if (!seenModules.Add(m)) return;
            var collector = new MemberCollector();
            m.VisitMembers(collector);
            foreach (var (name, t, isParameter, persistent) in collector.Tensors)
            {
                if (isParameter ? !parameters : !buffers || (onlyPersistent && !persistent)) continue;
                if (seenTensors.Add(t)) result.Add(new(prefix + name, t));
            }
            foreach (var (name, child) in collector.Modules) Walk(prefix + name + ".", child);
        }
        Walk("", this);
        return result;
    }

    /// <summary>Parameters and persistent buffers, in the order the state dict lists them.</summary>
    internal List<KeyValuePair<string, Tensor>> StateEntries()
    {
        // PyTorch lists each module's parameters, then its buffers, then recurses: keep that order
        var result = new List<KeyValuePair<string, Tensor>>();
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        void Walk(string prefix, Module m)
        {
            if (!seen.Add(m)) return;
            var collector = new MemberCollector();
            m.VisitMembers(collector);
            foreach (var (name, t, isParameter, _) in collector.Tensors.Where(e => e.IsParameter)) result.Add(new(prefix + name, t));
            foreach (var (name, t, _, _) in collector.Tensors.Where(e => !e.IsParameter && e.Persistent)) result.Add(new(prefix + name, t));
            foreach (var (name, child) in collector.Modules) Walk(prefix + name + ".", child);
        }
        Walk("", this);
        return result;
    }

    sealed class MemberCollector : IModuleVisitor
    {
        public readonly List<(string Name, Tensor Tensor, bool IsParameter, bool Persistent)> Tensors = [];
        public readonly List<KeyValuePair<string, Module>> Modules = [];

        public void Parameter(string name, Tensor? parameter)
        {
            if (parameter is not null) Tensors.Add((name, parameter, true, true));
        }

        public void Buffer(string name, Tensor? buffer, bool persistent = true)
        {
            if (buffer is not null) Tensors.Add((name, buffer, false, persistent));
        }

        public void Module(string name, Module? module)
        {
            if (module is not null) Modules.Add(new(name, module));
        }
    }
}
