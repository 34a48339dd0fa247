using DeepGen.Compiled;
using DeepGen.Fusion;
using DeepGen.Fusion.Autodiff;
using DeepGen.Fusion.Emit.CSharp;
using DeepGen.Fusion.Schedule;
using DeepGen.Fusion.Tests.Ir;
using DeepGen.Fusion.Tests.Schedule;
using Xunit;

namespace DeepGen.SnapshotTests;

/// <summary>
/// The C# emitter on hand-built graphs: the generated source against approved files, and the compiled
/// model (built in memory) against its eager Forward: outputs and every parameter's gradient, in train and
/// eval mode, under an eager loss.
/// </summary>
public class CompiledModelTests
{
    internal const string MlpSource = """
        using DeepGen;

        namespace Demo;

        [Model]
        public sealed partial class Mlp : Module, ITensorModule
        {
            readonly Linear fc1 = new(784, 256);
            readonly Linear fc2 = new(256, 10);

            public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x)
            {
                var h = F.Relu(fc1.Forward(x.Flatten(1)));
                return fc2.Forward(h);
            }
        }
        """;

    internal const string ConvNetSource = """
        using DeepGen;

        namespace Demo;

        [Model]
        public sealed partial class ConvNet : Module, ITensorModule
        {
            readonly Conv2d conv1 = new(1, 32, kernelSize: 3, padding: 1);
            readonly BatchNorm2d bn1 = new(32);
            readonly Conv2d conv2 = new(32, 64, kernelSize: 3, padding: 1);
            readonly BatchNorm2d bn2 = new(64);
            readonly Linear fc1 = new(64 * 7 * 7, 128);
            readonly Dropout dropout = new(0.3);
            readonly Linear fc2 = new(128, 10);

            public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x)
            {
                var h = F.MaxPool2d(F.Relu(bn1.Forward(conv1.Forward(x))), 2);
                h = F.MaxPool2d(F.Relu(bn2.Forward(conv2.Forward(h))), 2);
                h = dropout.Forward(F.Relu(fc1.Forward(h.Flatten(1))));
                return fc2.Forward(h);
            }
        }
        """;

    /// <summary>A data-dependent branch (a graph break) between two layers: two compiled regions around it.</summary>
    internal const string GateSource = """
        using System.Linq;
        using DeepGen;

        namespace Demo;

        [Model]
        public sealed partial class Gate : Module, ITensorModule
        {
            readonly Linear fc = new(16, 16);
            readonly Dropout dropout = new(0.1);
            readonly Linear head = new(16, 4);

            public Tensor Forward([Shape("B, 16")] Tensor x)
            {
                var h = dropout.Forward(fc.Forward(x));
                if (h.Sum().Item<float>() > 0)
                {
                    // only when the sum is positive
                    h = F.Relu(h);
                }

                return head.Forward(h);
            }
        }
        """;

    internal const string JoinSource = """
        using DeepGen;

        namespace Demo;

        [Model]
        public sealed partial class Join : Module, ITensorModule
        {
            readonly Linear up = new(8, 8);
            readonly Linear head = new(16, 4);

            public Tensor Forward([Shape("B, 8")] Tensor x)
            {
                Tensor gate;
                using (Torch.NoGrad())
                {
                    gate = up.Forward(x).Sigmoid();
                }

                var joined = Tensor.Cat([x, F.Relu(up.Forward(x)) * gate], dim: 1);
                var y = head.Forward(joined);
                return Tensor.Stack([y, y.Tanh()], dim: -1).Sum(-1);
            }
        }
        """;

    /// <summary>Branches on the train/eval mode in each form the front-end compiles: if/else, if alone, !Training, ?:.</summary>
    private const string ModeBranchSource = """
        using DeepGen;

        namespace Demo;

        [Model]
        public sealed partial class ModeBranch : Module, ITensorModule
        {
            readonly Linear fc = new(8, 8);
            readonly Linear head = new(8, 4);
            readonly BatchNorm1d bn = new(8);

            public Tensor Forward([Shape("B, 8")] Tensor x)
            {
                var h = fc.Forward(x);
                if (Training)
                {
                    h = F.Relu(h) * 0.5f;
                }
                else
                {
                    h = F.Gelu(h);
                }

                if (!Training)
                {
                    h = bn.Forward(h); // eval only: in train mode neither the batch norm nor its statistics run
                }

                return head.Forward(Training ? h.Tanh() : h + 1);
            }
        }
        """;

    /// <summary>Branches on two readonly fields set by the constructor, and dropout: one compiled graph per mode and field values.</summary>
    private const string FlaggedSource = """
        using DeepGen;

        namespace Demo;

        [Model]
        public sealed partial class Flagged : Module, ITensorModule
        {
            readonly Linear fc = new(8, 8);
            readonly Linear head = new(8, 4);
            readonly bool residual;
            readonly bool squash;

            public Flagged(bool residual, bool squash)
            {
                this.residual = residual;
                this.squash = squash;
            }

            public Tensor Forward([Shape("B, 8")] Tensor x)
            {
                var h = F.Dropout(F.Relu(fc.Forward(x)), 0.25, Training);
                if (residual)
                {
                    h = h + x;
                }

                return head.Forward(!squash ? h : h.Tanh());
            }
        }
        """;

    /// <summary>A stack of [Model] blocks in a module list whose length the constructor takes: the loop runs eagerly between compiled regions, each block compiled.</summary>
    private const string StackSource = """
        using System.Linq;
        using DeepGen;

        namespace Demo;

        [Model]
        public sealed partial class Block : Module, ITensorModule
        {
            readonly Linear fc = new(8, 8);

            public Tensor Forward([Shape("B, 8")] Tensor x) => x + F.Gelu(fc.Forward(x));
        }

        [Model]
        public sealed partial class Stack : Module, ITensorModule
        {
            readonly Linear input = new(8, 8);
            readonly ModuleList<Block> blocks;
            readonly Linear head = new(8, 4);

            public Stack() : this(3)
            {
            }

            public Stack(int depth) => blocks = new(Enumerable.Range(0, depth).Select(_ => new Block()));

            public Tensor Forward([Shape("B, 8")] Tensor x)
            {
                var h = F.Relu(input.Forward(x));
                foreach (Block block in blocks)
                {
                    h = block.Forward(h);
                }

                return head.Forward(h);
            }
        }
        """;

    /// <summary>Early returns in one arm of branches on a field and on the mode; the code after them runs in the other.</summary>
    private const string EarlyExitSource = """
        using DeepGen;

        namespace Demo;

        [Model]
        public sealed partial class EarlyExit : Module, ITensorModule
        {
            readonly Linear fc = new(8, 8);
            readonly Linear shortcut = new(8, 4);
            readonly Linear head = new(8, 4);
            readonly bool skipHead;

            public EarlyExit(bool skipHead) => this.skipHead = skipHead;

            public Tensor Forward([Shape("B, 8")] Tensor x)
            {
                var h = F.Relu(fc.Forward(x));
                if (skipHead)
                {
                    return shortcut.Forward(h);
                }

                if (!Training)
                {
                    return head.Forward(h);
                }

                h = h * 0.5f;
                return head.Forward(h.Tanh());
            }
        }
        """;

    /// <summary>A Sequential field of built-in layers, called as one module.</summary>
    private const string SeqSource = """
        using DeepGen;

        namespace Demo;

        [Model]
        public sealed partial class Seq : Module, ITensorModule
        {
            readonly Sequential body = new(new Linear(8, 16), new ReLU(), new Linear(16, 16), new GELU(), new Dropout(0.25));
            readonly Linear head = new(16, 4);

            public Tensor Forward([Shape("B, 8")] Tensor x) => head.Forward(body.Forward(x));
        }
        """;

    /// <summary>[Model] sub-models with private layers, as fields and listed in a Sequential: inlined into one compiled graph.</summary>
    private const string NestedSource = """
        using DeepGen;

        namespace Demo;

        [Model]
        public sealed partial class Block : Module, ITensorModule
        {
            readonly Linear fc = new(8, 8);
            readonly LayerNorm norm = new(8);

            public Tensor Forward([Shape("B, 8")] Tensor x) => x + F.Gelu(fc.Forward(norm.Forward(x)));
        }

        [Model]
        public sealed partial class Nested : Module, ITensorModule
        {
            readonly Linear input = new(8, 8);
            readonly Block block = new();
            readonly Sequential tail = new(new Block(), new ReLU(), new Linear(8, 4));

            public Tensor Forward([Shape("B, 8")] Tensor x) => tail.Forward(block.Forward(F.Relu(input.Forward(x))));
        }
        """;

    private static readonly Lazy<EmittedModel> Mlp = new(() => EmittedModel.Build("Mlp", MlpSource));

    private static readonly Lazy<EmittedModel> Join = new(() => EmittedModel.Build("Join", JoinSource));

    private static readonly Lazy<EmittedModel> Gate = new(() => EmittedModel.Build("Gate", GateSource));

    private static readonly Lazy<EmittedModel> ConvNet = new(() => EmittedModel.Build("ConvNet", ConvNetSource));

    private static readonly Lazy<EmittedModel> ModeBranch = new(() => EmittedModel.Build("ModeBranch", ModeBranchSource));

    private static readonly Lazy<EmittedModel> Flagged = new(() => EmittedModel.Build("Flagged", FlaggedSource));

    [Fact]
    public void Emitted_source_of_the_hand_built_mlp_matches_the_approved_file()
    {
        Snapshot.Verify("CompiledMlp", ModelEmitter.Emit(new CSharpModel("Demo", EquatableArray<string>.Empty, "Mlp", "Models.cs", true, TestGraphs.Mlp())));
    }

    [Fact]
    public void Generated_source_of_the_mlp_matches_the_approved_file()
    {
        Snapshot.Verify("GeneratedMlp", Mlp.Value.Generated);
    }

    [Fact]
    public void Generated_source_of_the_convnet_matches_the_approved_file()
    {
        Snapshot.Verify("CompiledConvNet", ConvNet.Value.Generated);
    }

    [Fact]
    public void Generated_source_of_a_model_with_cat_stack_and_a_no_grad_block_matches_the_approved_file()
    {
        Snapshot.Verify("CompiledJoin", Join.Value.Generated);
    }

    [Fact]
    public void Generated_source_of_a_model_with_a_graph_break_matches_the_approved_file()
    {
        Snapshot.Verify("CompiledGate", Gate.Value.Generated);
    }

    [Theory]
    [InlineData(true, 1.0)]
    [InlineData(true, -1.0)]
    [InlineData(false, 1.0)]
    [InlineData(false, -1.0)]
    public void A_model_split_at_a_graph_break_matches_eager_on_both_branches(bool training, double sign)
    {
        EmittedModel emitted = Gate.Value;
        Module eager = emitted.Create();
        Module compiled = emitted.Create();
        compiled.LoadStateDict(eager.StateDict());
        eager.Train(training);
        compiled.Train(training);

        // fc's bias, far from 0, picks the branch
        var state = eager.StateDict();
        state["fc.bias"] = Tensor.Full([16], 4 * sign);
        eager.LoadStateDict(state);
        compiled.LoadStateDict(state);
        var x = Tensor.Randn([5, 16], generator: new Generator(3));
        var target = Tensor.FromArray(new long[] { 0, 1, 2, 3, 0 });
        long calls = CompiledDispatch.CompiledCalls;
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            Torch.ManualSeed(8);
            var expected = emitted.Eager(eager, x);
            Torch.ManualSeed(8);
            var actual = EmittedModel.Compiled(compiled, x);
            Assert.Null(CompiledDispatch.LastFallback);
            Assert.Equal(2, CompiledDispatch.CompiledCalls - calls);
            Close(expected, actual, "output");
            F.CrossEntropy(expected, target).Backward();
            F.CrossEntropy(actual, target).Backward();
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }

        var eagerParameters = eager.NamedParameters().ToList();
        var compiledParameters = compiled.NamedParameters().ToList();
        for (int i = 0; i < eagerParameters.Count; i++)
        {
            Close(eagerParameters[i].Value.Grad!, compiledParameters[i].Value.Grad!, "grad " + eagerParameters[i].Key);
        }
    }

    [Fact]
    public void Generated_source_of_a_model_that_branches_on_the_mode_matches_the_approved_file()
    {
        Snapshot.Verify("CompiledModeBranch", ModeBranch.Value.Generated);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Branches_on_the_mode_compile_into_the_train_and_eval_methods_and_match_eager(bool training)
    {
        EmittedModel emitted = ModeBranch.Value;
        Assert.DoesNotContain("CompiledRegion", emitted.Generated, StringComparison.Ordinal); // not split at a graph break
        Assert.Contains("CompiledTrainForward", emitted.Generated, StringComparison.Ordinal);
        Assert.Contains("CompiledEvalForward", emitted.Generated, StringComparison.Ordinal);
        Module eager = emitted.Create();
        Module compiled = emitted.Create();
        var state = eager.StateDict();
        state["bn.running_mean"] = Tensor.Randn([8], generator: new Generator(12));
        state["bn.running_var"] = Tensor.Rand([8], generator: new Generator(13)) + 0.5;
        eager.LoadStateDict(state);
        compiled.LoadStateDict(state);
        eager.Train(training);
        compiled.Train(training);
        var x = Tensor.Randn([5, 8], generator: new Generator(14));
        var target = Tensor.FromArray(new long[] { 0, 1, 2, 3, 0 });
        long calls = CompiledDispatch.CompiledCalls;
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            var expected = emitted.Eager(eager, x);
            var actual = EmittedModel.Compiled(compiled, x);
            Assert.Null(CompiledDispatch.LastFallback);
            Assert.Equal(1, CompiledDispatch.CompiledCalls - calls);
            Close(expected, actual, "output");
            F.CrossEntropy(expected, target).Backward();
            F.CrossEntropy(actual, target).Backward();
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }

        foreach (var ((name, e), (_, c)) in eager.NamedParameters().Zip(compiled.NamedParameters()))
        {
            if (e.Grad is null)
            {
                Assert.Null(c.Grad); // bn's affine parameters take no part in train mode
                continue;
            }

            Close(e.Grad, c.Grad!, "grad " + name);
        }

        var eagerState = eager.StateDict();
        foreach (var (key, value) in compiled.StateDict())
        {
            Close(eagerState[key], value, key);
        }
    }

    [Fact]
    public void Generated_source_of_a_model_that_branches_on_its_fields_matches_the_approved_file()
    {
        Snapshot.Verify("CompiledFlagged", Flagged.Value.Generated);
    }

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(false, false, true)]
    [InlineData(true, true, false)]
    [InlineData(false, false, false)]
    public void Branches_on_readonly_fields_are_resolved_per_instance_and_match_eager(bool residual, bool squash, bool training)
    {
        EmittedModel emitted = Flagged.Value;
        Assert.DoesNotContain("CompiledRegion", emitted.Generated, StringComparison.Ordinal);
        var eager = (Module)Activator.CreateInstance(emitted.Type, [residual, squash])!;
        var compiled = (Module)Activator.CreateInstance(emitted.Type, [residual, squash])!;
        eager.Train(training);
        compiled.Train(training);

        AssertCompiledMatchesEager(emitted, eager, compiled, Tensor.Randn([6, 8], generator: new Generator(15)), compiledCalls: 1);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void Early_returns_in_branches_on_a_field_and_on_the_mode_compile_and_match_eager(bool skipHead, bool training)
    {
        EmittedModel emitted = EmittedModel.Build("EarlyExit", EarlyExitSource);
        Assert.DoesNotContain("CompiledRegion", emitted.Generated, StringComparison.Ordinal);
        var eager = (Module)Activator.CreateInstance(emitted.Type, [skipHead])!;
        var compiled = (Module)Activator.CreateInstance(emitted.Type, [skipHead])!;
        eager.Train(training);
        compiled.Train(training);

        AssertCompiledMatchesEager(emitted, eager, compiled, Tensor.Randn([5, 8], generator: new Generator(18)), compiledCalls: 1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_sequential_of_built_in_layers_compiles_with_the_runtime_s_state_names_and_matches_eager(bool training)
    {
        EmittedModel emitted = EmittedModel.Build("Seq", SeqSource);
        Assert.Contains("\"body.2.weight\"", emitted.Generated, StringComparison.Ordinal);
        Assert.Contains("((DeepGen.Linear)body[2]).Weight", emitted.Generated, StringComparison.Ordinal);
        Module eager = emitted.Create();
        Module compiled = emitted.Create();
        Assert.Contains("body.2.weight", eager.StateDict().Keys);
        eager.Train(training);
        compiled.Train(training);

        AssertCompiledMatchesEager(emitted, eager, compiled, Tensor.Randn([6, 8], generator: new Generator(19)), compiledCalls: 1);
    }

    [Fact]
    public void Sub_models_with_private_layers_are_inlined_through_unsafe_accessors_and_match_eager()
    {
        EmittedModel emitted = EmittedModel.Build("Nested", NestedSource);
        Assert.DoesNotContain("is not compiled", emitted.Generated, StringComparison.Ordinal);
        Assert.Contains("UnsafeAccessorKind.Field, Name = \"fc\")] private static extern ref global::DeepGen.Linear DeepGenAccess_Demo_Block_fc(global::Demo.Block owner);", emitted.Generated, StringComparison.Ordinal);
        Assert.Contains("DeepGenAccess_Demo_Block_fc(((Demo.Block)tail[0])).Weight", emitted.Generated, StringComparison.Ordinal);

        // two compiled calls: the outer graph (its blocks inlined), and in the eager run the Sequential's own
        // Forward, which calls its Block through ITensorModule, that is, the Block's compiled dispatch
        AssertCompiledMatchesEager(emitted, emitted.Create(), emitted.Create(), Tensor.Randn([5, 8], generator: new Generator(20)), compiledCalls: 2);
    }

    [Fact]
    public void A_loop_over_a_module_list_runs_between_compiled_regions_with_each_block_compiled()
    {
        EmittedModel emitted = EmittedModel.Build("Stack", StackSource);
        Assert.Contains("CompiledDispatch.Forward(block, h, static (model, input) => model.Forward(input))", emitted.Generated, StringComparison.Ordinal);

        // the two regions and the three blocks
        AssertCompiledMatchesEager(emitted, emitted.Create(), emitted.Create(), Tensor.Randn([5, 8], generator: new Generator(17)), compiledCalls: 2 + 3);
    }

    /// <summary>
    /// Runs <paramref name="eager"/>'s own Forward and <paramref name="compiled"/>'s dispatch (given eager's
    /// weights) on copies of <paramref name="x"/> with the same random seed, expects <paramref name="compiledCalls"/>
    /// compiled forwards and no fallback, then compares the outputs and, after the backward of their squares'
    /// sum, the gradients of x and of every parameter.
    /// </summary>
    private static void AssertCompiledMatchesEager(EmittedModel emitted, Module eager, Module compiled, Tensor x, int compiledCalls)
    {
        compiled.LoadStateDict(eager.StateDict());
        var eagerX = x.Clone().RequiresGrad_();
        var compiledX = x.Clone().RequiresGrad_();
        long calls = CompiledDispatch.CompiledCalls;
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            Torch.ManualSeed(16);
            var expected = emitted.Eager(eager, eagerX);
            Torch.ManualSeed(16);
            var actual = EmittedModel.Compiled(compiled, compiledX);
            Assert.Null(CompiledDispatch.LastFallback);
            Assert.Equal(compiledCalls, CompiledDispatch.CompiledCalls - calls);
            Close(expected, actual, "output");
            expected.Square().Sum().Backward();
            actual.Square().Sum().Backward();
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }

        Close(eagerX.Grad!, compiledX.Grad!, "grad x");
        foreach (var ((name, e), (_, c)) in eager.NamedParameters().Zip(compiled.NamedParameters()))
        {
            if (e.Grad is null)
            {
                Assert.Null(c.Grad); // a parameter the path taken does not reach
                continue;
            }

            Close(e.Grad, c.Grad!, "grad " + name);
        }
    }

    [Fact]
    public void A_later_region_given_a_tensor_of_another_shape_throws_instead_of_running_the_eager_code_twice()
    {
        Module model = Gate.Value.Create();

        var error = Assert.Throws<System.Reflection.TargetInvocationException>(() => Gate.Value.Invoke(model, "CompiledRegion1", Tensor.Randn([2, 15])));

        Assert.Equal(
            "Gate: h has shape [2, 15], compiled for [B, 16]: dim 1 is 15, not 16, after the eager code before compiled region 1, which the build typed otherwise",
            Assert.IsType<InvalidOperationException>(error.InnerException).Message);
    }

    /// <summary>Split models whose eager statements come first, last (with the return), in a file without nullable warnings, and assign the argument.</summary>
    public static TheoryData<string, string> SplitShapes() => new()
    {
        {
            "EagerFirst", """
                if (x.Mean().Item<float>() > 0)
                {
                    x = x * 2;
                }

                var h = fc.Forward(x);
                return F.Relu(h);
            """
        },
        {
            "EagerLast", """
                var h = F.Tanh(fc.Forward(x));
                return h.Mean().Item<float>() > 0 ? h * 2 : -h;
            """
        },
        {
            "ModeAroundBreak", """
                var h = fc.Forward(x);
                if (!Training)
                {
                    h = h * 0.5f;
                }

                if (h.Mean().Item<float>() > 0)
                {
                    h = h * 2;
                }

                return Training ? F.Relu(h) : h.Tanh();
            """
        },
        {
            "NullableOff", """
                Tensor h = fc.Forward(x);
                if (h.Sum().Item<float>() > 0)
                {
                    string label = null; // a warning where nullable warnings are on
                    System.Console.Write(label);
                    h = h.Relu();
                }

                return fc.Forward(h);
            """
        },
    };

    [Theory]
    [MemberData(nameof(SplitShapes))]
    public void Split_models_compile_cleanly_and_match_eager(string name, string body)
    {
        string source = (name == "NullableOff" ? "#nullable disable\n" : string.Empty) + $$"""
            using DeepGen;

            namespace Demo;

            [Model]
            public sealed partial class {{name}} : Module, ITensorModule
            {
                readonly Linear fc = new(8, 8);

                public Tensor Forward([Shape("B, 8")] Tensor x)
                {
            {{body}}
                }
            }
            """;
        EmittedModel emitted = EmittedModel.Build(name, source);
        Assert.Contains("CompiledRegion0", emitted.Generated, StringComparison.Ordinal);
        foreach ((bool training, double sign) in new[] { (true, 1.0), (true, -1.0), (false, 1.0), (false, -1.0) })
        {
            Module eager = emitted.Create();
            Module compiled = emitted.Create();
            compiled.LoadStateDict(eager.StateDict());
            eager.Train(training);
            compiled.Train(training);
            var x = Tensor.Randn([3, 8], generator: new Generator(6)) + sign;
            var eagerX = x.Clone().RequiresGrad_();
            var compiledX = x.Clone().RequiresGrad_();
            CompiledDispatch.ThrowOnFallback = true;
            try
            {
                var expected = emitted.Eager(eager, eagerX);
                var actual = EmittedModel.Compiled(compiled, compiledX);
                Close(expected, actual, name + " output");
                expected.Square().Sum().Backward();
                actual.Square().Sum().Backward();
            }
            finally
            {
                CompiledDispatch.ThrowOnFallback = false;
            }

            Close(eagerX.Grad!, compiledX.Grad!, name + " grad x");
            Close(eager.NamedParameters()[0].Value.Grad!, compiled.NamedParameters()[0].Value.Grad!, name + " grad fc.weight");
        }
    }

    [Theory]
    [InlineData("Mlp", true)]
    [InlineData("Mlp", false)]
    [InlineData("ConvNet", true)]
    [InlineData("ConvNet", false)]
    public void Compiled_matches_eager_outputs_gradients_and_running_statistics(string name, bool training)
    {
        EmittedModel emitted = name == "Mlp" ? Mlp.Value : ConvNet.Value;
        Module eager = emitted.Create();
        Module compiled = emitted.Create();
        compiled.LoadStateDict(eager.StateDict());
        eager.Train(training);
        compiled.Train(training);
        var x = Tensor.Randn([5, 1, 28, 28], generator: new Generator(7));
        var target = Tensor.FromArray(new long[] { 1, 3, 5, 7, 9 });

        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            // the same seed for both, so dropout drops the same elements
            Torch.ManualSeed(11);
            var expected = emitted.Eager(eager, x);
            Torch.ManualSeed(11);
            var actual = EmittedModel.Compiled(compiled, x);
            Assert.Null(CompiledDispatch.LastFallback);
            Close(expected, actual, "output");

            F.CrossEntropy(expected, target).Backward();
            F.CrossEntropy(actual, target).Backward();
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }

        var eagerParameters = eager.NamedParameters().ToList();
        var compiledParameters = compiled.NamedParameters().ToList();
        Assert.Equal(eagerParameters.Select(p => p.Key), compiledParameters.Select(p => p.Key));
        for (int i = 0; i < eagerParameters.Count; i++)
        {
            Close(eagerParameters[i].Value.Grad!, compiledParameters[i].Value.Grad!, "grad " + eagerParameters[i].Key);
        }

        // batch norm's running statistics and batch counter move the same way
        var eagerState = eager.StateDict();
        foreach (var (key, value) in compiled.StateDict())
        {
            Close(eagerState[key], value, key);
        }
    }

    [Fact]
    public void A_guard_failure_runs_eager_and_says_why()
    {
        Module model = Mlp.Value.Create();
        var x = Tensor.Randn([2, 1, 28, 27]);

        var error = Assert.Throws<ArgumentException>(() => EmittedModel.Compiled(model, x));

        Assert.Equal("Mlp: x has shape [2, 1, 28, 27], compiled for [B, 1, 28, 28]: dim 3 is 27, not 28", CompiledDispatch.LastFallback);
        Assert.Contains("linear", error.Message);
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            var strict = Assert.Throws<CompiledFallbackException>(() => EmittedModel.Compiled(model, x));
            Assert.Equal(CompiledDispatch.LastFallback, strict.Message);
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }
    }

    [Fact]
    public void ConvNet_training_plan_as_dot_marks_kernels_and_saved_values()
    {
        TrainingGraphs graphs = Differentiator.Derive(Specialize.ForMode(PlanGraphs.ConvNet(), training: true));
        FusionPlan plan = FusionPlanner.Plan(graphs.Forward);

        Snapshot.Verify("ConvNetTrainForward.dot", PlanDot.Write(plan, graphs.Saved.Select(v => v.Forward), graphs.UserOutputs));
    }

    [Fact]
    public void Emitting_twice_gives_the_same_text()
    {
        var model = new CSharpModel("Demo", EquatableArray<string>.Empty, "ConvNet", "Models.cs", true, PlanGraphs.ConvNet());
        Assert.Equal(ModelEmitter.Emit(model), ModelEmitter.Emit(model with { Forward = PlanGraphs.ConvNet() }));
    }

    [Fact]
    public void A_compiled_block_inside_eager_code_passes_gradients_to_its_input()
    {
        EmittedModel emitted = ConvNet.Value;
        Module eager = emitted.Create();
        Module compiled = emitted.Create();
        compiled.LoadStateDict(eager.StateDict());
        eager.Eval();
        compiled.Eval();
        var source = Tensor.Randn([3, 1, 28, 28], generator: new Generator(3));
        var scale = Tensor.Scalar(1.5).RequiresGrad_();
        var eagerScale = Tensor.Scalar(1.5).RequiresGrad_();

        // eager op -> model -> eager loss, both ways
        (emitted.Eager(eager, source * eagerScale).Square().Sum() * 0.5).Backward();
        (EmittedModel.Compiled(compiled, source * scale).Square().Sum() * 0.5).Backward();

        Assert.Null(CompiledDispatch.LastFallback);
        Assert.Equal("ConvNet.CompiledEvalBackward", ((Tensor)EmittedModel.Compiled(compiled, source * scale)).GradFn!.Name);
        Close(eagerScale.Grad!, scale.Grad!, "grad of the eager input");
    }

    internal const string TransformerSource = """
        using System;
        using DeepGen;

        namespace Demo;

        [Model]
        public partial class TransformerBlock : Module
        {
            const int D = 64, Heads = 4, HeadDim = D / Heads;

            readonly LayerNorm ln1 = new(D);
            readonly Linear query = new(D, D), key = new(D, D), value = new(D, D, bias: false);
            readonly Linear proj = new(D, D);
            readonly LayerNorm ln2 = new(D, eps: 1e-6);
            readonly Linear fc = new(D, 4 * D);
            readonly Linear fcOut = new(4 * D, D);

            public Tensor Forward([Shape("B, T, 64")] Tensor x, [Shape("T, T")] Tensor causal)
            {
                x = x + Attention(ln1.Forward(x), causal);
                return x + fcOut.Forward(F.Gelu(fc.Forward(ln2.Forward(x)), approximate: "tanh"));
            }

            Tensor Attention(Tensor x, Tensor causal)
            {
                int b = x.Size(0), t = x.Shape[1];
                Tensor q = query.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);
                Tensor k = key.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);
                Tensor v = value.Forward(x).View(b, t, Heads, -1).Transpose(1, 2);
                Tensor scores = q.MatMul(k.Transpose(-2, -1)) * (1.0 / Math.Sqrt(HeadDim));
                scores = scores.MaskedFill(causal.Eq(0), double.NegativeInfinity);
                Tensor attention = F.Softmax(scores, -1);
                return proj.Forward(attention.MatMul(v).Transpose(1, 2).Reshape(b, t, D));
            }
        }
        """;

    [Fact]
    public void Transformer_block_compiled_forward_and_backward_match_eager()
    {
        // Two arguments, so no ITensorModule dispatch: the generated methods are called directly.
        EmittedModel emitted = EmittedModel.Build("TransformerBlock", TransformerSource);
        Snapshot.Verify("CompiledTransformerBlock", emitted.Generated);
        Module model = emitted.Create();
        var x = Tensor.Randn([3, 7, 64], generator: new Generator(21)).RequiresGrad_();
        var causal = Tensor.FromArray(Enumerable.Range(0, 49).Select(i => i / 7 >= i % 7 ? 1.0f : 0.0f).ToArray()).Reshape(7, 7);
        var g = Tensor.Randn([3, 7, 64], generator: new Generator(22));

        var expected = emitted.Eager(model, x, causal);
        (expected * g).Sum().Backward();

        var results = (Tensor[])emitted.Invoke(model, "CompiledForward", x, causal);
        Close(expected, results[0], "output");
        var names = System.Text.RegularExpressions.Regex.Matches(emitted.Generated, @"^ +\S+, // d (\S+)$", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToList();
        var grads = (Tensor?[])emitted.Invoke(model, "CompiledBackward", new[] { g }, results[1..], names.Select(_ => true).ToArray());
        Assert.Equal(names.Count, grads.Length);
        var parameters = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(parameters.Count + 1, names.Count); // x and every parameter
        for (int i = 0; i < names.Count; i++)
        {
            Close(names[i] == "x" ? x.Grad! : parameters[names[i]].Grad!, grads[i]!, "grad " + names[i]);
        }
    }

    internal const string SdpaTransformerSource = """
        using System;
        using DeepGen;

        namespace Demo;

        [Model]
        public partial class SdpaTransformerBlock : Module
        {
            const int D = 64, Heads = 4, HeadDim = D / Heads;

            readonly LayerNorm ln1 = new(D);
            readonly Linear query = new(D, D), key = new(D, D), value = new(D, D);
            readonly Linear proj = new(D, D);
            readonly LayerNorm ln2 = new(D);
            readonly Linear fc = new(D, 4 * D);
            readonly Linear fcOut = new(4 * D, D);

            public Tensor Forward([Shape("B, T, 64")] Tensor x)
            {
                x = x + Attention(ln1.Forward(x));
                return x + fcOut.Forward(F.Gelu(fc.Forward(ln2.Forward(x))));
            }

            Tensor Attention(Tensor x)
            {
                int b = x.Size(0), t = x.Size(1);
                Tensor q = query.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);
                Tensor k = key.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);
                Tensor v = value.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);
                Tensor o = F.ScaledDotProductAttention(q, k, v, isCausal: true);
                return proj.Forward(o.Transpose(1, 2).Reshape(b, t, D));
            }
        }
        """;

    [Fact]
    public void Transformer_block_with_fused_attention_compiles_to_the_attention_kernels_and_matches_eager()
    {
        EmittedModel emitted = EmittedModel.Build("SdpaTransformerBlock", SdpaTransformerSource);
        Snapshot.Verify("CompiledSdpaTransformerBlock", emitted.Generated);
        Assert.Contains("Library.ScaledDotProductAttention(", emitted.Generated);
        Assert.Contains("Library.ScaledDotProductAttentionBackward(", emitted.Generated);
        Module model = emitted.Create();
        var x = Tensor.Randn([3, 37, 64], generator: new Generator(23)).RequiresGrad_();
        var g = Tensor.Randn([3, 37, 64], generator: new Generator(24));

        var expected = emitted.Eager(model, x);
        (expected * g).Sum().Backward();

        var results = (Tensor[])emitted.Invoke(model, "CompiledForward", x);
        Close(expected, results[0], "output");
        var names = System.Text.RegularExpressions.Regex.Matches(emitted.Generated, @"^ +\S+, // d (\S+)$", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToList();
        var grads = (Tensor?[])emitted.Invoke(model, "CompiledBackward", new[] { g }, results[1..], names.Select(_ => true).ToArray());
        var parameters = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(parameters.Count + 1, names.Count); // x and every parameter
        for (int i = 0; i < names.Count; i++)
        {
            Close(names[i] == "x" ? x.Grad! : parameters[names[i]].Grad!, grads[i]!, "grad " + names[i]);
        }
    }

    private static void Close(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        // relative to the tensor's largest magnitude, with a floor of 1e-2 for tensors that are zero up to
        // rounding (the key bias's gradient in attention, which softmax's shift invariance makes exactly 0)
        double scale = Math.Max(e.Max(Math.Abs), 1e-2);
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-4 * scale, $"{what}[{i}]: eager {e[i]:R}, compiled {a[i]:R}");
        }
    }
}
