using System.ComponentModel;
using DeepGen.Autograd;

namespace DeepGen.Compiled;

/// <summary>
/// Hooks a compiled forward into the eager autograd tape as ONE node whose backward runs the generated
/// backward. So an eager loss on a compiled model's output backpropagates into the model's parameters, and
/// a compiled block composes with eager code before and after it. Part of the surface for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Tape
{
    /// <summary>True when an op over <paramref name="inputs"/> must be recorded (grad mode on and some input requires grad).</summary>
    public static bool IsRecording(params Tensor[] inputs) => GradMode.ShouldRecord(inputs);

    /// <summary>
    /// Records <paramref name="output"/> as computed from <paramref name="inputs"/> (the Forward arguments and
    /// the module's parameters, in the generated backward's gradient order). The <paramref name="saved"/>
    /// tensors are kept with version checks (an in-place change before the backward is an error, as in
    /// eager); <paramref name="backward"/> gets the output's gradient, the saved tensors and which inputs
    /// want a gradient, and returns one gradient (or null) per input.
    /// </summary>
    /// <param name="recyclable">
    /// The indices of saved tensors the forward made as buffers of its own that nothing outside the graph
    /// sees (the generator's list): once a backward has run without keeping the graph, their buffers go to
    /// <see cref="StoragePool"/>, unless the output or a gradient shares them.
    /// </param>
    /// <param name="disposable">
    /// The indices of the other saved tensors the forward computed (views of its buffers, shape stand-ins; never
    /// an input, parameter or buffer of the module): disposed once the backward has run, so a buffer only they
    /// held goes to the pool (see <see cref="Tensor.Dispose()"/>), unless the output or a gradient shares it.
    /// </param>
    /// <returns><paramref name="output"/>, now with its GradFn.</returns>
    public static Tensor Record(string name, Tensor output, Tensor[] inputs, Tensor[] saved, Func<Tensor, Tensor[], bool[], Tensor?[]> backward, int[]? recyclable = null, int[]? disposable = null) =>
        Node(name, output, inputs, saved, backward, recyclable ?? [], disposable ?? []);

    /// <summary>
    /// Records a compiled forward with several <paramref name="outputs"/> (a region of a Forward split at a
    /// graph break that hands several tensors on): one node per output, whose backward runs
    /// <paramref name="backward"/> with that output's gradient and zeros for the others. The backward is
    /// linear in the outputs' gradients, so the inputs' gradients add up to the joint backward's, at the cost
    /// of one backward per output that gets a gradient.
    /// </summary>
    /// <returns><paramref name="outputs"/>, each now with its GradFn.</returns>
    public static Tensor[] RecordEach(string name, Tensor[] outputs, Tensor[] inputs, Tensor[] saved, Func<Tensor[], Tensor[], bool[], Tensor?[]> backward)
    {
        var shapes = outputs.Select(o => o.ShapeArray()).ToArray();
        var dtypes = outputs.Select(o => o.DType).ToArray();
        var recorded = new Tensor[outputs.Length];
        for (int k = 0; k < outputs.Length; k++)
        {
            int output = k;
            // the nodes share the saved tensors, so none of them may recycle one
            recorded[k] = Node(name, outputs[k], inputs, saved, recyclable: [], disposable: [], backward: (grad, values, needs) =>
            {
                var grads = new Tensor[shapes.Length];
                for (int i = 0; i < grads.Length; i++)
                    grads[i] = i == output ? grad : Tensor.Zeros(shapes[i], dtypes[i]);
                return backward(grads, values, needs);
            });
        }

        return recorded;
    }

    static Tensor Node(string name, Tensor output, Tensor[] inputs, Tensor[] saved, Func<Tensor, Tensor[], bool[], Tensor?[]> backward, int[] recyclable, int[] disposable)
    {
        var node = new Node(name, inputs);
        var kept = saved.Select(node.Save).ToArray();
        // every gradient a backward handed on keeps its buffer, as the output does
        var handedOn = new List<Tensor?>();
        if (recyclable.Length > 0 || disposable.Length > 0)
            node.OnRelease = () =>
            {
                Library.Recycle([.. recyclable.Select(i => saved[i])], [output], [.. handedOn]);
                Library.DisposeUnshared([.. disposable.Select(i => saved[i])], [output], [.. handedOn]);
            };
        node.SetBackward(grad =>
        {
            var values = new Tensor[kept.Length];
            for (int i = 0; i < kept.Length; i++) values[i] = kept[i].Get();
            var needs = new bool[inputs.Length];
            for (int i = 0; i < needs.Length; i++) needs[i] = node.NeedsGrad(i);
            var grads = backward(grad, values, needs);
            if (grads.Length != inputs.Length)
                throw new InvalidOperationException($"{name}: the compiled backward returned {grads.Length} gradients for {inputs.Length} inputs");
            for (int i = 0; i < grads.Length; i++)
                if (!node.NeedsGrad(i)) grads[i] = null;
            handedOn.AddRange(grads);
            return grads;
        });
        return output.WithGradFn(node);
    }
}
