using System.ComponentModel;

namespace DeepGen.Compiled;

/// <summary>
/// The checks a compiled forward makes before it runs (TorchDynamo's guards): every input and parameter
/// on the CPU with the dtype the code was compiled for, every input with the compiled rank, constant
/// dimensions and consistent symbolic ones (every <c>B</c> the same size). The first failure is kept as
/// a sentence naming the model, the tensor and what differs; the caller then runs the eager path.
/// Part of the surface for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class Guard
{
    readonly string model;
    readonly Dictionary<string, int> symbols = new(StringComparer.Ordinal);

    /// <summary>Starts the checks for <paramref name="model"/> (named in the failure messages).</summary>
    public Guard(string model) => this.model = model;

    /// <summary>The first failed check, or null while all have held.</summary>
    public string? Failure { get; private set; }

    /// <summary>Checks a Forward argument: device, dtype, and shape (each dim a number, a symbol such as <c>B</c>, or <c>?</c> for any size).</summary>
    public Guard Input(Tensor tensor, string name, DType dtype, params string[] dims)
    {
        if (Failure is not null || !Common(tensor, name, dtype)) return this;
        if (tensor.Rank != dims.Length)
            return Fail($"{name} has shape {Shapes.Format(tensor.Shape)} ({tensor.Rank} dims), compiled for [{string.Join(", ", dims)}] ({dims.Length} dims)");
        for (int d = 0; d < dims.Length; d++)
        {
            int size = tensor.Shape[d];
            string dim = dims[d];
            if (dim == "?") continue;
            if (int.TryParse(dim, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int constant))
            {
                if (size != constant)
                    return Fail($"{name} has shape {Shapes.Format(tensor.Shape)}, compiled for [{string.Join(", ", dims)}]: dim {d} is {size}, not {constant}");
            }
            else if (symbols.TryGetValue(dim, out int bound))
            {
                if (size != bound)
                    return Fail($"{name} has shape {Shapes.Format(tensor.Shape)}, compiled for [{string.Join(", ", dims)}]: {dim} is {bound} elsewhere but {size} here");
            }
            else
            {
                symbols[dim] = size;
            }
        }

        return this;
    }

    /// <summary>Checks a parameter or buffer: present, on the CPU, with the compiled dtype.</summary>
    public Guard State(Tensor? tensor, string name, DType dtype)
    {
        if (Failure is not null) return this;
        if (tensor is null) return Fail($"{name} is null, compiled as a tensor");
        Common(tensor, name, dtype);
        return this;
    }

    bool Common(Tensor tensor, string name, DType dtype)
    {
        if (tensor.Device != Device.Cpu)
        {
            Fail($"{name} is on {tensor.Device}, the compiled code runs on the CPU");
            return false;
        }

        if (tensor.DType != dtype)
        {
            Fail($"{name} is {tensor.DType.Name()}, compiled for {dtype.Name()}");
            return false;
        }

        return true;
    }

    Guard Fail(string why)
    {
        Failure = $"{model}: {why}";
        return this;
    }
}

/// <summary>
/// What the generated dispatch does when a guard fails: run the eager path, remembering why (for
/// debugging), or, with <see cref="ThrowOnFallback"/>, throw with the guard's message. Part of the surface
/// for generated code.
/// </summary>
public static class CompiledDispatch
{
    [ThreadStatic] static string? lastFallback;
    [ThreadStatic] static long compiledCalls;

    /// <summary>Throw <see cref="CompiledFallbackException"/> instead of running eager when a guard fails (tests, benchmarks).</summary>
    public static bool ThrowOnFallback { get; set; }

    /// <summary>Why the last compiled call on this thread ran eager instead (null when it ran compiled).</summary>
    public static string? LastFallback => lastFallback;

    /// <summary>How many compiled forwards ran on this thread (to tell "compiled" from "no compiled code at all").</summary>
    public static long CompiledCalls => compiledCalls;

    /// <summary>
    /// <c>model.Forward(x)</c> in eager code that the generator copied between compiled regions (a loop over a
    /// module list): the model's compiled dispatch when it has one (a [Model] whose Forward compiled implements
    /// <see cref="ITensorModule"/>), else <paramref name="eager"/>, its own Forward. So each block of the loop runs
    /// its one compiled graph per block class, and the loop itself runs around them.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static Tensor Forward<TModel>(TModel model, Tensor x, Func<TModel, Tensor, Tensor> eager) where TModel : class =>
        model is ITensorModule compiled ? compiled.Forward(x) : eager(model, x);

    /// <summary>Notes that the compiled path ran.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Compiled()
    {
        lastFallback = null;
        compiledCalls++;
    }

    /// <summary>Notes (or throws) that the eager path runs because of <paramref name="reason"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Fallback(string reason)
    {
        lastFallback = reason;
        if (ThrowOnFallback) throw new CompiledFallbackException(reason);
    }
}

/// <summary>A compiled forward's guard failed while <see cref="CompiledDispatch.ThrowOnFallback"/> was set.</summary>
public sealed class CompiledFallbackException(string message) : InvalidOperationException(message);
