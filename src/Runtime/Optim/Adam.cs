using System.Numerics;
using System.Runtime.InteropServices;

namespace DeepGen.Optim;

/// <summary>
/// Adam, as PyTorch's <c>torch.optim.Adam</c>: per step t and parameter, with g its gradient,
/// <code>
/// g = maximize ? -g : g;  if (wd != 0) g += wd * p          (L2 penalty; AdamW instead does p *= 1 - lr * wd)
/// m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
/// if (amsgrad) vmax = max(vmax, v), used in place of v below
/// p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// </code>
/// </summary>
public class Adam : Optimizer
{
    readonly double lr, beta1, beta2, eps, weightDecay;
    readonly bool amsgrad, maximize, decoupledWeightDecay;

    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this("Adam", parameters, lr, betas, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay: false)
    {
    }

    private protected Adam(string name, IEnumerable<Tensor> parameters, double lr, (double Beta1, double Beta2)? betas, double eps,
        double weightDecay, bool amsgrad, bool maximize, bool decoupledWeightDecay)
        : base(name)
    {
        this.lr = lr;
        (beta1, beta2) = betas ?? (0.9, 0.999);
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.amsgrad = amsgrad;
        this.maximize = maximize;
        this.decoupledWeightDecay = decoupledWeightDecay;
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

    Group NewGroup(Tensor[] parameters) => new(Name, parameters, lr, (beta1, beta2), eps, weightDecay, amsgrad, maximize);

    /// <summary>An Adam/AdamW parameter group and its hyper-parameters.</summary>
    public sealed class Group : ParamGroup
    {
        (double, double) betas;
        double eps;

        internal Group(string optimizer, Tensor[] parameters, double lr, (double, double) betas, double eps, double weightDecay, bool amsgrad, bool maximize)
            : base(optimizer, parameters, lr, weightDecay, maximize)
        {
            Betas = betas;
            Eps = eps;
            Amsgrad = amsgrad;
        }

        /// <summary>Decay rates of the first and second moment estimates, each in [0, 1).</summary>
        public (double Beta1, double Beta2) Betas
        {
            get => betas;
            set => betas = (Hyper.Beta(OptimizerName, 0, value.Beta1), Hyper.Beta(OptimizerName, 1, value.Beta2));
        }

        /// <summary>Added to the denominator for numerical stability.</summary>
        public double Eps
        {
            get => eps;
            set => eps = Hyper.Epsilon(OptimizerName, value);
        }

        /// <summary>Use the maximum of past second moments (the AMSGrad variant).</summary>
        public bool Amsgrad { get; set; }

        internal override void SaveHyperParameters(string prefix, Dictionary<string, double> scalars)
        {
            scalars[prefix + "betas.0"] = betas.Item1;
            scalars[prefix + "betas.1"] = betas.Item2;
            scalars[prefix + "eps"] = eps;
            scalars[prefix + "amsgrad"] = Amsgrad ? 1 : 0;
        }

        internal override void LoadHyperParameters(string prefix, IReadOnlyDictionary<string, double> scalars, bool apply)
        {
            double b1 = Hyper.Beta(OptimizerName, 0, Read(scalars, prefix + "betas.0"));
            double b2 = Hyper.Beta(OptimizerName, 1, Read(scalars, prefix + "betas.1"));
            double e = Hyper.Epsilon(OptimizerName, Read(scalars, prefix + "eps"));
            bool a = Read(scalars, prefix + "amsgrad") != 0;
            if (!apply) return;
            Betas = (b1, b2);
            Eps = e;
            Amsgrad = a;
        }
    }

    sealed class State(Tensor expAvg, Tensor expAvgSq) : ParamState
    {
        public long Step;
        public readonly Tensor ExpAvg = expAvg;
        public readonly Tensor ExpAvgSq = expAvgSq;
        public Tensor? MaxExpAvgSq;

        public override void Save(string prefix, OptimizerStateDict stateDict)
        {
            stateDict.Scalars[prefix + "step"] = Step;
            stateDict.Tensors[prefix + "exp_avg"] = ExpAvg.Clone();
            stateDict.Tensors[prefix + "exp_avg_sq"] = ExpAvgSq.Clone();
            if (MaxExpAvgSq is not null) stateDict.Tensors[prefix + "max_exp_avg_sq"] = MaxExpAvgSq.Clone();
        }
    }

    public override void Step()
    {
        foreach (var paramGroup in ParamGroups)
        {
            var group = (Group)paramGroup;
            foreach (var p in group.Params)
            {
                var grad = GradOf(p);
                if (grad is null) continue;
                if (!TryGetState<State>(p, out var s))
                {
                    s = new State(NewState(p), NewState(p));
                    SetState(p, s);
                }
                // zeros are a neutral start for the running maximum (second moments are never negative)
                if (group.Amsgrad) s.MaxExpAvgSq ??= NewState(p);
                s.Step++;
                if (p.DType == DType.Float32)
                    InChunks(p.Numel, (start, end) => Update<float>(p, grad, s, group, start, end));
                else
                    InChunks(p.Numel, (start, end) => Update<double>(p, grad, s, group, start, end));
                MarkUpdated(p);
            }
        }
    }

    /// <summary>One fused pass over elements [start, end) of a parameter: weight decay, both moments, bias corrections and the update.</summary>
    void Update<T>(Tensor p, Tensor grad, State s, Group group, int start, int end) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var param = p.ContiguousSpan<T>()[start..end];
        var g = grad.ContiguousSpan<T>()[start..end];
        var expAvg = s.ExpAvg.ContiguousSpan<T>()[start..end];
        var expAvgSq = s.ExpAvgSq.ContiguousSpan<T>()[start..end];
        var maxExpAvgSq = group.Amsgrad ? s.MaxExpAvgSq!.ContiguousSpan<T>()[start..end] : default;

        var (beta1, beta2) = group.Betas;
        double biasCorrection1 = 1 - Math.Pow(beta1, s.Step);
        double biasCorrection2 = 1 - Math.Pow(beta2, s.Step);
        T stepSize = T.CreateTruncating(group.LearningRate / biasCorrection1);
        T bc2Sqrt = T.CreateTruncating(Math.Sqrt(biasCorrection2));
        T eps = T.CreateTruncating(group.Eps);
        T b1 = T.CreateTruncating(beta1), oneMinusB1 = T.CreateTruncating(1 - beta1);
        T b2 = T.CreateTruncating(beta2), oneMinusB2 = T.CreateTruncating(1 - beta2);
        T wd = T.CreateTruncating(group.WeightDecay);
        T shrink = T.CreateTruncating(1 - group.LearningRate * group.WeightDecay);
        bool l2 = !decoupledWeightDecay && group.WeightDecay != 0;
        bool decoupled = decoupledWeightDecay && group.WeightDecay != 0;
        bool amsgrad = group.Amsgrad, maximize = group.Maximize;

        int i = 0;
        if (Vector.IsHardwareAccelerated && !amsgrad)
        {
            // the scalar loop's operations in its order (no fused multiply-adds), so results do not depend
            // on where a vector ends; AMSGrad's NaN-propagating max stays scalar
            ref T p0 = ref MemoryMarshal.GetReference(param);
            ref T g0 = ref MemoryMarshal.GetReference(g);
            ref T m0 = ref MemoryMarshal.GetReference(expAvg);
            ref T v0 = ref MemoryMarshal.GetReference(expAvgSq);
            Vector<T> vb1 = new(b1), v1b1 = new(oneMinusB1), vb2 = new(b2), v1b2 = new(oneMinusB2), vwd = new(wd), vshrink = new(shrink);
            Vector<T> vstep = new(stepSize), vbc2 = new(bc2Sqrt), veps = new(eps);
            for (; i <= param.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var gi = Vector.LoadUnsafe(ref g0, (nuint)i);
                if (maximize) gi = -gi;
                var pi = Vector.LoadUnsafe(ref p0, (nuint)i);
                if (l2) gi += vwd * pi;
                else if (decoupled) pi *= vshrink;
                var m = vb1 * Vector.LoadUnsafe(ref m0, (nuint)i) + v1b1 * gi;
                var v = vb2 * Vector.LoadUnsafe(ref v0, (nuint)i) + v1b2 * gi * gi;
                m.StoreUnsafe(ref m0, (nuint)i);
                v.StoreUnsafe(ref v0, (nuint)i);
                (pi - vstep * (m / (Vector.SquareRoot(v) / vbc2 + veps))).StoreUnsafe(ref p0, (nuint)i);
            }
        }

        for (; i < param.Length; i++)
        {
            T gi = maximize ? -g[i] : g[i];
            T pi = param[i];
            if (l2) gi += wd * pi;
            else if (decoupled) pi *= shrink;
            T m = b1 * expAvg[i] + oneMinusB1 * gi;
            T v = b2 * expAvgSq[i] + oneMinusB2 * gi * gi;
            expAvg[i] = m;
            expAvgSq[i] = v;
            if (amsgrad)
            {
                v = T.Max(maxExpAvgSq[i], v);
                maxExpAvgSq[i] = v;
            }
            param[i] = pi - stepSize * (m / (T.Sqrt(v) / bc2Sqrt + eps));
        }
    }

    private protected override ParamState? LoadState(Tensor parameter, string prefix, OptimizerStateDict stateDict)
    {
        if (!stateDict.Tensors.ContainsKey(prefix + "exp_avg")) return null;
        double step = stateDict.GetScalar(prefix + "step", Name);
        if (step < 0 || step != Math.Floor(step))
            throw new ArgumentException($"{Name}: '{prefix}step' must be a non-negative integer, got {Hyper.Format(step)}");
        var s = new State(LoadBuffer(parameter, prefix + "exp_avg", stateDict), LoadBuffer(parameter, prefix + "exp_avg_sq", stateDict))
        {
            Step = (long)step,
        };
        if (stateDict.Tensors.ContainsKey(prefix + "max_exp_avg_sq"))
            s.MaxExpAvgSq = LoadBuffer(parameter, prefix + "max_exp_avg_sq", stateDict);
        return s;
    }
}
