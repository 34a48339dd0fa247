using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Autodiff;

/// <summary>A forward value the backward reads.</summary>
/// <param name="Forward">The value in the forward graph.</param>
/// <param name="ShapeOnly">True when the backward needs only its runtime shape (<c>sum_to</c>'s reference): the tensor is not kept.</param>
/// <param name="Reason">Why it is saved, for the generated code's comments (<c>read by relu_backward %21</c>).</param>
public sealed record SavedValue(Value Forward, bool ShapeOnly, string Reason);

/// <summary>A gradient the backward produces.</summary>
/// <param name="ForwardNode">The forward source node (an input or a parameter) it is the gradient of.</param>
/// <param name="Name">That node's name (<c>x</c>, <c>fc1.weight</c>).</param>
/// <param name="BackwardOutput">The index in the backward graph's outputs.</param>
public sealed record GradTarget(int ForwardNode, string Name, int BackwardOutput);

/// <summary>A forward node that the backward computes again instead of the forward saving its result.</summary>
/// <param name="ForwardNode">The forward node.</param>
/// <param name="Reason">Why (<c>gelu of a saved value: recomputing costs one pass, saving costs a [B, T, 1024] tensor</c>).</param>
public sealed record Recomputation(int ForwardNode, string Reason);

/// <summary>
/// A forward graph and its derived backward graph, with what crosses between them.
/// Forward's outputs are the user's outputs followed by the <see cref="Saved"/> values, in order.
/// Backward's inputs are <c>grad0..</c> (one per user output) then <c>saved0..</c> (one per saved value,
/// attribute <c>shape_only</c> where only the shape is kept); its outputs are the gradients of <see cref="Grads"/>.
/// </summary>
public sealed record TrainingGraphs(
    IrGraph Forward,
    IrGraph Backward,
    int UserOutputs,
    EquatableArray<SavedValue> Saved,
    EquatableArray<GradTarget> Grads,
    EquatableArray<Recomputation> Recomputed);
