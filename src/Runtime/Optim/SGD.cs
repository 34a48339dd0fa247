using System.Numerics;
using System.Runtime.InteropServices;

namespace DeepGen.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, L2 weight decay and
/// maximisation, as PyTorch's <c>torch.optim.SGD</c>. Per step and parameter, with g its gradient:
/// <code>
/// g = maximize ? -g : g;  if (wd != 0) g += wd * p
/// if (momentum != 0) { b = first step ? g : momentum * b + (1 - dampening) * g;  g = nesterov ? g + momentum * b : b }
/// p -= lr * g
/// </code>
/// </summary>
public sealed class SGD : Optimizer
{
    readonly double lr, momentum, dampening, weightDecay;
    readonly bool nesterov, maximize;

    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : base("SGD")
    {
        this.lr = lr;
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.maximize = maximize;
        AddGroup(NewGroup(CheckInitialParameters(parameters)));
    }

    /// <summary>
    /// Adds parameters with the constructor's hyper-parameters; set the returned group's properties to
    /// give them their own (PyTorch's <c>add_param_group</c>).
    /// </summary>
    public Group AddParamGroup(IEnumerable<Tensor> parameters)
    {
        var group = NewGroup(CheckParameters(parameters));
        AddGroup(group);
        return group;
    }

    Group NewGroup(Tensor[] parameters) => new(Name, parameters, lr, momentum, dampening, weightDecay, nesterov, maximize);

    /// <summary>An SGD parameter group and its hyper-parameters.</summary>
    public sealed class Group : ParamGroup
    {
        double momentum, dampening;

        internal Group(string optimizer, Tensor[] parameters, double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize)
            : base(optimizer, parameters, lr, weightDecay, maximize)
        {
            Momentum = momentum;
            Dampening = dampening;
            Nesterov = nesterov;
        }

        public double Momentum
        {
            get => momentum;
            set => momentum = Hyper.Finite(OptimizerName, "momentum", Hyper.Momentum(OptimizerName, value));
        }

        public double Dampening
        {
            get => dampening;
            set => dampening = Hyper.Finite(OptimizerName, "dampening", value);
        }

        public bool Nesterov { get; set; }

        internal override void Validate()
        {
            if (Nesterov && (Momentum <= 0 || Dampening != 0))
                throw new ArgumentException($"{OptimizerName}: Nesterov momentum requires a momentum and zero dampening (momentum {Hyper.Format(Momentum)}, dampening {Hyper.Format(Dampening)})");
        }

        internal override void SaveHyperParameters(string prefix, Dictionary<string, double> scalars)
        {
            scalars[prefix + "momentum"] = Momentum;
            scalars[prefix + "dampening"] = Dampening;
            scalars[prefix + "nesterov"] = Nesterov ? 1 : 0;
        }

        internal override void LoadHyperParameters(string prefix, IReadOnlyDictionary<string, double> scalars, bool apply)
        {
            double m = Hyper.Finite(OptimizerName, "momentum", Hyper.Momentum(OptimizerName, Read(scalars, prefix + "momentum")));
            double d = Hyper.Finite(OptimizerName, "dampening", Read(scalars, prefix + "dampening"));
            bool n = Read(scalars, prefix + "nesterov") != 0;
            if (!apply) return;
            Momentum = m;
            Dampening = d;
            Nesterov = n;
        }
    }

    sealed class State(Tensor momentumBuffer) : ParamState
    {
        public readonly Tensor MomentumBuffer = momentumBuffer;

        public override void Save(string prefix, OptimizerStateDict stateDict) =>
            stateDict.Tensors[prefix + "momentum_buffer"] = MomentumBuffer.Clone();
    }

    public override void Step()
    {
        foreach (var paramGroup in ParamGroups)
        {
            var group = (Group)paramGroup;
            group.Validate();
            foreach (var p in group.Params)
            {
                var grad = GradOf(p);
                if (grad is null) continue;
                // the momentum buffer is made on the first step that uses it, and then holds the (decayed) gradient
                Tensor? buffer = null;
                bool firstStep = false;
                if (group.Momentum != 0)
                {
                    if (TryGetState<State>(p, out var s)) buffer = s.MomentumBuffer;
                    else
                    {
                        buffer = NewState(p);
                        SetState(p, new State(buffer));
                        firstStep = true;
                    }
                }
                if (p.DType == DType.Float32)
                    InChunks(p.Numel, (start, end) => Update(p.ContiguousSpan<float>()[start..end], grad.ContiguousSpan<float>()[start..end],
                        buffer is null ? default : buffer.ContiguousSpan<float>()[start..end], firstStep, group));
                else
                    InChunks(p.Numel, (start, end) => Update(p.ContiguousSpan<double>()[start..end], grad.ContiguousSpan<double>()[start..end],
                        buffer is null ? default : buffer.ContiguousSpan<double>()[start..end], firstStep, group));
                MarkUpdated(p);
            }
        }
    }

    /// <summary>One fused pass over a parameter: decay, momentum and the update, with no temporaries.</summary>
    static void Update<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> buffer, bool firstStep, Group group)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T lr = T.CreateTruncating(group.LearningRate);
        T wd = T.CreateTruncating(group.WeightDecay);
        T mu = T.CreateTruncating(group.Momentum);
        T keep = T.One - T.CreateTruncating(group.Dampening);
        bool decay = group.WeightDecay != 0, momentum = group.Momentum != 0, nesterov = group.Nesterov, maximize = group.Maximize;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // the same operations in the same order as the scalar loop below (no fused multiply-adds), so the
            // result does not depend on where a vector ends
            ref T p0 = ref MemoryMarshal.GetReference(param);
            ref T g0 = ref MemoryMarshal.GetReference(grad);
            ref T b0 = ref MemoryMarshal.GetReference(buffer);
            Vector<T> vlr = new(lr), vwd = new(wd), vmu = new(mu), vkeep = new(keep);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = Vector.LoadUnsafe(ref g0, (nuint)i);
                var p = Vector.LoadUnsafe(ref p0, (nuint)i);
                var d = maximize ? -g : g;
                if (decay) d += vwd * p;
                if (momentum)
                {
                    var b = firstStep ? d : vmu * Vector.LoadUnsafe(ref b0, (nuint)i) + vkeep * d;
                    b.StoreUnsafe(ref b0, (nuint)i);
                    d = nesterov ? d + vmu * b : b;
                }
                (p - vlr * d).StoreUnsafe(ref p0, (nuint)i);
            }
        }
        for (; i < param.Length; i++)
        {
            T d = maximize ? -grad[i] : grad[i];
            if (decay) d += wd * param[i];
            if (momentum)
            {
                T b = firstStep ? d : mu * buffer[i] + keep * d;
                buffer[i] = b;
                d = nesterov ? d + mu * b : b;
            }
            param[i] -= lr * d;
        }
    }

    private protected override ParamState? LoadState(Tensor parameter, string prefix, OptimizerStateDict stateDict) =>
        stateDict.Tensors.ContainsKey(prefix + "momentum_buffer")
            ? new State(LoadBuffer(parameter, prefix + "momentum_buffer", stateDict))
            : null;
}
