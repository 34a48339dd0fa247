using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;

namespace DeepGen.Fusion.Schedule;

/// <summary>
/// Cuts a graph into steps. The rules, in the spirit of tinygrad's and Inductor's:
/// <list type="bullet">
/// <item>a pointwise node joins the fused kernel of one of its pointwise producers when it has the kernel's
/// iteration shape and everything else it reads is ready before that kernel starts (else fusing would
/// make a cycle); otherwise it starts a kernel of its own;</item>
/// <item>a kernel stores only the values read outside it or returned;</item>
/// <item>linear and matmul absorb a following ReLU (and matmul a bias add) into their epilogue when nothing
/// else reads their raw output;</item>
/// <item>a sum or mean over leading dims of a value a fused kernel computes (a bias gradient) is accumulated by
/// that kernel as it runs; other reductions, softmax, convolution, pooling and normalisation are runtime
/// kernels; views are free.</item>
/// </list>
/// Every decision not to fuse leaves a <see cref="FusionNote"/>.
/// </summary>
public static class FusionPlanner
{
    /// <summary>Plans <paramref name="graph"/>.</summary>
    /// <exception cref="NotSupportedException">The graph has an op the planner cannot place.</exception>
    public static FusionPlan Plan(IrGraph graph) => new Planner(graph).Run();

    private sealed class Group
    {
        public Group(int first, EquatableArray<Dim> shape)
        {
            First = first;
            Shape = shape;
        }

        /// <summary>Where the kernel runs (its first node, or 0 once hoisted); a node may join only if what else it reads is ready before.</summary>
        public int First { get; set; }

        public EquatableArray<Dim> Shape { get; }

        public List<int> Nodes { get; } = [];

        /// <summary>The sum or mean node the kernel accumulates as it runs, if any.</summary>
        public int? Reduction { get; set; }
    }

    /// <summary>A step placed at a schedule key: a finished step, or a fused kernel still growing.</summary>
    /// <remarks>A class, not a tuple: a list of value tuples would be jitted anew in every compiler process.</remarks>
    private sealed record Placed(int Key, PlanStep? Step, Group? Group);

    private sealed class Planner
    {
        private readonly IrGraph _graph;
        private readonly IReadOnlyList<IReadOnlyList<int>> _users;
        private readonly HashSet<Value> _returned;

        // Per node: the schedule key of the step that computes it (-1: ready from the start), and its group.
        private readonly int[] _ready;
        private readonly Group?[] _groupOf;
        private readonly List<Placed> _steps = [];
        private readonly List<FusionNote> _notes = [];
        private readonly HashSet<int> _absorbed = [];

        // adds a GEMM absorbed by adding into an earlier product: their results are products' buffers too
        private readonly HashSet<int> _productSums = [];

        public Planner(IrGraph graph)
        {
            _graph = graph;
            _users = graph.Users();
            _returned = new HashSet<Value>(graph.Outputs);
            _ready = new int[graph.Nodes.Count];
            _groupOf = new Group?[graph.Nodes.Count];
        }

        public FusionPlan Run()
        {
            foreach (IrNode node in _graph.Nodes)
            {
                if (_absorbed.Contains(node.Id))
                {
                    continue;
                }

                OpDef def = OpTable.Get(node.Op);
                switch (def.Kind)
                {
                    case OpKind.Source:
                        _ready[node.Id] = -1;
                        break;
                    case OpKind.View:
                        PlaceView(node);
                        break;
                    case OpKind.Pointwise when def.Formula(node.Attrs) is not null:
                        PlacePointwise(node);
                        break;
                    case OpKind.Pointwise:
                        Note(node.Id, "it has no scalar formula (it broadcasts by the runtime shape of another value), so the runtime runs it");
                        AddStep(node.Id, new PlanStep(StepKind.Reduction, Single(node.Id), AllOutputs(node), null, null));
                        break;
                    case OpKind.Reduction:
                        PlaceReduction(node);
                        break;
                    default:
                        PlaceLibrary(node);
                        break;
                }
            }

            var steps = _steps
                .OrderBy(s => s.Group?.First ?? s.Key)
                .ThenBy(s => s.Step?.Node ?? s.Group!.Nodes[0])
                .Select(s => s.Step ?? ToStep(s.Group!))
                .ToEquatableArray();
            return new FusionPlan(_graph, steps, _notes.OrderBy(n => n.Node).ToEquatableArray());
        }

        private void PlaceView(IrNode node)
        {
            // A view costs nothing, so it runs as soon as its input is ready: views of parameters before every
            // kernel, a view of a kernel's result right after that kernel (so later kernels may read it).
            int key = node.Inputs.Max(v => _ready[v.Node]);
            _ready[node.Id] = key;
            _steps.Add(new Placed(key, new PlanStep(StepKind.View, Single(node.Id), AllOutputs(node), null, null), null));
        }

        private void PlacePointwise(IrNode node)
        {
            var candidates = node.Inputs.Select(v => _groupOf[v.Node]).Where(g => g is not null).Distinct().ToList();
            string? reason = null;
            foreach (Group? group in candidates)
            {
                reason = WhyNotJoin(node, group!);
                if (reason is null)
                {
                    group!.Nodes.Add(node.Id);
                    _groupOf[node.Id] = group;
                    _ready[node.Id] = group.First;
                    return;
                }
            }

            if (reason is not null)
            {
                Note(node.Id, reason);
            }
            else
            {
                foreach (Value producer in node.Inputs.Where(IsLibraryOutput).Take(1))
                {
                    Note(node.Id, LibraryEpilogueReason(node, producer));
                }
            }

            var fresh = new Group(node.Id, node.Type.Shape);
            fresh.Nodes.Add(node.Id);
            _groupOf[node.Id] = fresh;
            _ready[node.Id] = node.Id;
            _steps.Add(new Placed(node.Id, null, fresh));
        }

        /// <summary>Joins a sum or mean over leading dims to the kernel that computes its input, or runs it on its own.</summary>
        private void PlaceReduction(IrNode node)
        {
            string? reason = WhyNotAccumulate(node, out Group? group);
            if (reason is not null)
            {
                Note(node.Id, reason);
                AddStep(node.Id, new PlanStep(StepKind.Reduction, Single(node.Id), AllOutputs(node), null, null));
                return;
            }

            group!.Reduction = node.Id;
            _ready[node.Id] = group.First;
        }

        private string? WhyNotAccumulate(IrNode node, out Group? group)
        {
            Value input = node.Inputs[0];
            group = _groupOf[input.Node];
            if (node.Op is not ("sum" or "mean"))
            {
                return $"only sum and mean are accumulated by the kernel that computes their input; {node.Op} runs on its own";
            }

            if (group is null)
            {
                return $"its input {input} ({_graph.Nodes[input.Node].Op}) is not computed by a fused kernel, so the reduction runs on its own";
            }

            TensorType type = _graph.TypeOf(input);
            if (node.Attrs.Ints("dims").Count == 0)
            {
                return "it reduces every dim; only a sum over leading dims (a column sum, like a bias gradient) is accumulated by the kernel";
            }

            if (LeadingDims(node, type.Rank) is null)
            {
                return $"it reduces dims [{string.Join(", ", node.Attrs.Ints("dims"))}] of a rank-{type.Rank} value; only a sum over leading dims (a column sum, like a bias gradient) is accumulated by the kernel";
            }

            if (!type.DType.IsFloating())
            {
                return $"its input is {type.DType}; only float sums are accumulated by the kernel";
            }

            if (group.Reduction is { } other)
            {
                return $"the kernel at %{group.Nodes[0]} already accumulates %{other}";
            }

            return null;
        }

        /// <summary>How many leading dims <paramref name="node"/> reduces when it reduces dims 0..k-1 with 0 &lt; k &lt; rank, else null.</summary>
        private static int? LeadingDims(IrNode node, int rank)
        {
            var dims = node.Attrs.Ints("dims").Select(d => d < 0 ? d + rank : d).Distinct().OrderBy(d => d).ToList();
            bool leading = dims.Count > 0 && dims.Count < rank && dims.Select((d, i) => d == i).All(same => same);
            return leading ? dims.Count : null;
        }

        private string? WhyNotJoin(IrNode node, Group group)
        {
            if (!SameShape(node.Type.Shape, group.Shape))
            {
                return $"its shape {node.Type.ShapeText} differs from the iteration shape [{string.Join(", ", group.Shape)}] of the kernel at %{group.Nodes[0]}";
            }

            foreach (Value input in node.Inputs)
            {
                if (_groupOf[input.Node] is { } other && other != group && _ready[input.Node] >= group.First && Hoistable(other))
                {
                    Hoist(other);
                }

                if (_groupOf[input.Node] != group && _ready[input.Node] >= group.First)
                {
                    return $"it reads {input} ({_graph.Nodes[input.Node].Op}), which is computed after the kernel at %{group.Nodes[0]} starts, so fusing would make a cycle";
                }
            }

            return null;
        }

        /// <summary>True for a kernel that reads only parameters, inputs and constants: it may run before every computed step.</summary>
        private bool Hoistable(Group group) =>
            group.First > 0 && group.Nodes.All(n => _graph.Nodes[n].Inputs.All(v => _groupOf[v.Node] == group || _ready[v.Node] < 0));

        /// <summary>
        /// Moves such a kernel to key 0 (after the hoisted views, before anything a node computes), so a kernel
        /// that started earlier may read it: eval batch norm's rsqrt(var + eps), a mask made from an input.
        /// </summary>
        private void Hoist(Group group)
        {
            group.First = 0;
            foreach (int n in group.Nodes)
            {
                _ready[n] = 0;
            }

            if (group.Reduction is { } reduction)
            {
                _ready[reduction] = 0;
            }
        }

        private bool IsLibraryOutput(Value v) => OpTable.Get(_graph.Nodes[v.Node].Op).Kind == OpKind.Library;

        private string LibraryEpilogueReason(IrNode node, Value producer)
        {
            IrNode library = _graph.Nodes[producer.Node];
            if (library.Op is not ("linear" or "matmul"))
            {
                return $"{library.Op} {producer} is a runtime kernel without an epilogue, so this starts a fused kernel of its own";
            }

            if (_users[producer.Node].Count > 1 || _returned.Contains(producer))
            {
                return $"{producer} ({library.Op}) is also read elsewhere (or returned), so its raw output must be stored and the epilogue cannot replace it";
            }

            return $"the GEMM epilogue does a bias and ReLU only; {node.Op} runs as a fused kernel after {producer}";
        }

        private void PlaceLibrary(IrNode node)
        {
            if (!LibraryOps.Contains(node.Op))
            {
                throw new NotSupportedException($"{node.Op}: the compiled path has no runtime kernel for this op yet (node %{node.Id})");
            }

            var nodes = new List<int> { node.Id };
            Value output = node.Result;
            Value? bias = null;
            string? activation = null;
            Value? into = null;
            if (node.Op == "matmul" && SoleUser(output) is { Op: "add" } sum && IsProductSum(sum, output, out Value earlier))
            {
                nodes.Add(sum.Id);
                output = sum.Result;
                into = earlier;
                _productSums.Add(sum.Id);
            }
            else if (node.Op is "linear" or "matmul")
            {
                if (node.Op == "matmul" && SoleUser(output) is { Op: "add" } add && IsBiasAdd(add, output, out Value b))
                {
                    nodes.Add(add.Id);
                    output = add.Result;
                    bias = b;
                }

                if (SoleUser(output) is { Op: "relu" } relu)
                {
                    nodes.Add(relu.Id);
                    output = relu.Result;
                    activation = "relu";
                }
            }

            foreach (int absorbed in nodes.Skip(1))
            {
                _absorbed.Add(absorbed);
                _ready[absorbed] = node.Id;
            }

            _ready[node.Id] = node.Id;
            Epilogue? epilogue = bias is null && activation is null && into is null ? null : new Epilogue(bias, activation, into);
            EquatableArray<Value> outputs = nodes.Count == 1 ? AllOutputs(node) : Single(output);
            AddStep(node.Id, new PlanStep(StepKind.Library, nodes.ToEquatableArray(), outputs, null, epilogue));
        }

        /// <summary>The node that is the only reader of <paramref name="v"/>, when v is not also returned.</summary>
        private IrNode? SoleUser(Value v)
        {
            IReadOnlyList<int> users = _users[v.Node];
            if (users.Count != 1 || _returned.Contains(v) || _graph.Nodes[v.Node].Outputs.Count != 1)
            {
                return null;
            }

            IrNode user = _graph.Nodes[users[0]];
            return user.Inputs.Count(i => i == v) == 1 ? user : null;
        }

        private bool IsBiasAdd(IrNode add, Value product, out Value bias)
        {
            bias = add.Inputs[0] == product ? add.Inputs[1] : add.Inputs[0];
            TensorType p = _graph.TypeOf(product);
            TensorType b = _graph.TypeOf(bias);
            return p.Rank == 2 && b.Rank == 1 && b.DType == p.DType && _ready[bias.Node] < add.Id
                && DimMath.ProvablyEqual(b.Shape[0], p.Shape[1]) && SameShape(add.Type.Shape, p.Shape);
        }

        /// <summary>
        /// True when <paramref name="sum"/> adds <paramref name="product"/> to another matmul's product (or to
        /// such a sum) that is computed earlier, read by nothing else, and of the same type: this GEMM then adds
        /// into that buffer (the input gradients of a transformer's q, k and v projections, summed).
        /// </summary>
        private bool IsProductSum(IrNode sum, Value product, out Value earlier)
        {
            earlier = sum.Inputs[0] == product ? sum.Inputs[1] : sum.Inputs[0];
            IrNode other = _graph.Nodes[earlier.Node];
            bool isProduct = (other.Op == "matmul" && !_absorbed.Contains(other.Id)) || _productSums.Contains(other.Id);
            TensorType type = _graph.TypeOf(product);
            // nodes are placed in id order, so a lower id is a product (or sum) already placed
            return isProduct && other.Id < product.Node && SoleUser(earlier) == sum
                && type.Rank >= 2 && _graph.TypeOf(earlier) == type && sum.Type == type;
        }

        private void AddStep(int key, PlanStep step)
        {
            _ready[key] = key;
            _steps.Add(new Placed(key, step, null));
        }

        private void Note(int node, string reason) => _notes.Add(new FusionNote(node, reason));

        private PlanStep ToStep(Group group)
        {
            PointwiseKernel kernel = KernelBuilder.Build(_graph, group.Nodes, group.Shape, IsReadOutside);
            var outputs = kernel.Outputs.Select(o => o.Value).ToList();
            if (group.Reduction is not { } id)
            {
                return new PlanStep(StepKind.Fused, group.Nodes.ToEquatableArray(), outputs.ToEquatableArray(), kernel, null);
            }

            // the reduction reads its input from outside the group, so the kernel stores it
            IrNode node = _graph.Nodes[id];
            var reduction = new FusedReduction(id, outputs.IndexOf(node.Inputs[0]), LeadingDims(node, _graph.TypeOf(node.Inputs[0]).Rank)!.Value,
                node.Attrs.Bool("keepdim", false), node.Op == "mean");
            return new PlanStep(StepKind.Fused, group.Nodes.Append(id).ToEquatableArray(), outputs.Append(node.Result).ToEquatableArray(), kernel, null, reduction);

            bool IsReadOutside(int node) => _returned.Contains(new Value(node)) || _users[node].Any(u => _groupOf[u] != group);
        }

        private static EquatableArray<int> Single(int node) => new[] { node }.ToEquatableArray();

        private static EquatableArray<Value> Single(Value value) => new[] { value }.ToEquatableArray();

        private static EquatableArray<Value> AllOutputs(IrNode node) => Enumerable.Range(0, node.Outputs.Count).Select(k => new Value(node.Id, k)).ToEquatableArray();
    }

    /// <summary>
    /// True when both shapes are the same as far as the build can tell: equal dims, or a dim known only at run
    /// time (eval batch norm's [-1, 1, 1] views) against any; the runtime driver broadcasts and checks the rest.
    /// </summary>
    internal static bool SameShape(EquatableArray<Dim> a, EquatableArray<Dim> b) =>
        a.Count == b.Count && a.Zip(b, (x, y) => x == y || x.Kind == DimKind.Unknown || y.Kind == DimKind.Unknown).All(same => same);

    /// <summary>The library ops the runtime has kernels for (src/Runtime/Compiled/Kernels).</summary>
    public static readonly IReadOnlyCollection<string> LibraryOps = new HashSet<string>(StringComparer.Ordinal)
    {
        "linear", "matmul", "conv2d", "conv2d_input_grad", "conv2d_weight_grad", "max_pool2d", "max_pool2d_backward",
        "avg_pool2d", "avg_pool2d_backward", "batch_norm", "batch_norm_backward", "layer_norm", "layer_norm_backward",
        "softmax", "log_softmax", "softmax_backward", "log_softmax_backward", "dropout", "embedding", "embedding_backward",
        "cat", "stack", "cat_backward", "stack_backward", "narrow_backward", "mean_backward",
        "scaled_dot_product_attention", "scaled_dot_product_attention_backward",
    };
}
