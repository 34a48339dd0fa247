namespace DeepGen.Tests;

// The [Model] classes below get their VisitMembers from the DeepGen source generator (this project
// references it as an analyzer); the plain modules write theirs by hand, as built-in layers do.

/// <summary>A hand-written layer with one parameter, registered as "scale".</summary>
public sealed class Scale : Module, ITensorModule
{
    public Scale(int features, double value = 1.0) => Weight = Tensor.Full([features], value).RequiresGrad_();

    public Tensor Weight { get; }

    public Tensor Forward(Tensor input) => input * Weight;

    protected internal override void VisitMembers(IModuleVisitor visitor) => visitor.Parameter("scale", Weight);
}

/// <summary>A hand-written list of sub-modules registered as "0", "1", ... (PyTorch's ModuleList).</summary>
public sealed class Stack<T>(params T[] items) : Module where T : Module
{
    public T this[int index] => items[index];

    protected internal override void VisitMembers(IModuleVisitor visitor)
    {
        for (int i = 0; i < items.Length; i++) visitor.Module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), items[i]);
    }
}

[Model]
public partial class Block : Module
{
    readonly Scale _inner = new(3);                                  // sub-module "inner"
    readonly Tensor bias = Tensor.Zeros(3);                           // parameter "bias"
    [Buffer] readonly Tensor steps = Tensor.Zeros(1);                 // buffer "steps"
    [Buffer(Persistent = false)] readonly Tensor mask = Tensor.Ones(3); // buffer outside the state dict
    readonly Tensor? absent = null;                                   // a null parameter is skipped
    readonly int width = 3;                                           // not a tensor or a module
    static readonly Tensor Shared = Tensor.Ones(1);                   // static: not registered

    public Tensor Forward(Tensor x) => _inner.Forward(x) * mask + bias + (absent ?? Shared) * width;

    public Tensor Steps => steps;
}

[Model]
public partial class Net : Module
{
    readonly Block block = new();
    readonly Stack<Scale> blocks = new(new Scale(2), new Scale(2));

    public Tensor Gain { get; } = Tensor.Ones(1);                     // a get-only auto-property

    public Block Block => block;

    public Stack<Scale> Blocks => blocks;
}

/// <summary>A model deriving from another model: the base's members come first.</summary>
[Model]
public partial class WiderNet : Net
{
    readonly Tensor head = Tensor.Ones(2);

    [Buffer]
    public Tensor Count { get; } = Tensor.Zeros(1);
}

[Model]
public partial class Wrapper<T> : Module where T : Module
{
    readonly T _wrapped;

    public Wrapper(T wrapped) => _wrapped = wrapped;
}

public static partial class Outer
{
    [Model]
    public partial class Nested : Module
    {
        readonly Tensor weight = Tensor.Ones(2, 2);
    }
}

public class GeneratedModelTests
{
    /// <summary>Records the visitor calls, to see their order.</summary>
    sealed class Recorder : IModuleVisitor
    {
        public readonly List<string> Calls = [];

        public void Parameter(string name, Tensor? parameter) => Calls.Add($"parameter {name}{(parameter is null ? " (null)" : "")}");

        public void Buffer(string name, Tensor? buffer, bool persistent = true) => Calls.Add($"buffer {name}{(persistent ? "" : " (not persistent)")}");

        public void Module(string name, Module? module) => Calls.Add($"module {name}");
    }

    static List<string> Visit(Module module)
    {
        var recorder = new Recorder();
        module.VisitMembers(recorder);
        return recorder.Calls;
    }

    static string[] Keys<T>(IEnumerable<KeyValuePair<string, T>> entries) => entries.Select(e => e.Key).ToArray();

    [Fact]
    public void Registers_members_in_declaration_order_with_one_underscore_stripped()
    {
        Assert.Equal(
            ["module inner", "parameter bias", "buffer steps", "buffer mask (not persistent)", "parameter absent (null)"],
            Visit(new Block()));
    }

    [Fact]
    public void A_derived_model_visits_the_base_members_first()
    {
        Assert.Equal(["module block", "module blocks", "parameter Gain"], Visit(new Net()));
        Assert.Equal(["module block", "module blocks", "parameter Gain", "parameter head", "buffer Count"], Visit(new WiderNet()));
    }

    [Fact]
    public void Named_parameters_buffers_and_modules_use_dotted_names()
    {
        var net = new WiderNet();

        Assert.Equal(["Gain", "head", "block.bias", "block.inner.scale", "blocks.0.scale", "blocks.1.scale"], Keys(net.NamedParameters()));
        Assert.Equal(["Count", "block.steps", "block.mask"], Keys(net.NamedBuffers()));
        Assert.Equal(["", "block", "block.inner", "blocks", "blocks.0", "blocks.1"], Keys(net.NamedModules()));
        Assert.Same(net.Blocks[1].Weight, net.NamedParameters().Single(p => p.Key == "blocks.1.scale").Value);
        Assert.Same(net.Block.Steps, net.NamedBuffers().Single(b => b.Key == "block.steps").Value);
    }

    [Fact]
    public void State_dict_lists_parameters_then_persistent_buffers_per_module()
    {
        Assert.Equal(
            ["Gain", "head", "Count", "block.bias", "block.steps", "block.inner.scale", "blocks.0.scale", "blocks.1.scale"],
            Keys(new WiderNet().StateDict()));
    }

    [Fact]
    public void Generic_and_nested_models_are_registered()
    {
        var wrapper = new Wrapper<Scale>(new Scale(4));
        Assert.Equal(["wrapped.scale"], Keys(wrapper.NamedParameters()));
        Assert.Equal(["weight"], Keys(new Outer.Nested().StateDict()));
    }

    [Fact]
    public void Load_state_dict_round_trips_through_the_generated_registration()
    {
        var source = new WiderNet();
        using (Torch.NoGrad())
        {
            int i = 0;
            foreach (var (_, t) in source.StateDict()) t.Fill_(++i);
        }

        var target = new WiderNet();
        var result = target.LoadStateDict(source.StateDict());

        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        // Each entry was filled with its position in the state dict.
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], target.StateDict().Select(e => e.Value.ToArray<float>().Distinct().Single()));
        Assert.Equal([7f, 7f], target.Blocks[0].Weight.ToArray<float>());
        Assert.Equal([1f, 1f, 1f], target.NamedBuffers().Single(b => b.Key == "block.mask").Value.ToArray<float>()); // not in the state dict: untouched

        // Values were copied, not shared.
        using (Torch.NoGrad()) source.Blocks[0].Weight.Fill_(-1);
        Assert.Equal([7f, 7f], target.Blocks[0].Weight.ToArray<float>());
    }

    [Fact]
    public void Load_state_dict_reports_keys_under_the_generated_names()
    {
        var dict = new Block().StateDict();
        dict.Remove("inner.scale");
        dict["inner.weight"] = Tensor.Ones(3);

        var error = Assert.Throws<InvalidOperationException>(() => new Block().LoadStateDict(dict));

        Assert.Equal(
            "Error(s) in loading state_dict for Block:\n\tMissing key(s) in state_dict: \"inner.scale\".\n\tUnexpected key(s) in state_dict: \"inner.weight\".",
            error.Message);
    }
}
