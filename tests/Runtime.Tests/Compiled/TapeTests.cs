using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary><c>Tape.RecordEach</c>: one node per output of a compiled forward, whose gradients add up to the joint backward's.</summary>
public class TapeTests
{
    [Fact]
    public void Each_output_backpropagates_its_own_gradient_and_the_inputs_get_the_sum()
    {
        // y1 = 2x, y2 = 3x, recorded as one forward with a joint backward d x = 2 g1 + 3 g2
        var x = Tensor.FromArray(new float[] { 1, -2, 3 }).RequiresGrad_();
        Tensor[] outputs = [(x.Detach() * 2), (x.Detach() * 3)];
        int calls = 0;
        var recorded = Tape.RecordEach("Pair", outputs, [x], [], (grads, saved, needs) =>
        {
            calls++;
            Assert.Equal([true], needs);
            return [grads[0] * 2 + grads[1] * 3];
        });

        (recorded[0] * Tensor.FromArray(new float[] { 1, 10, 100 })).Sum().Backward();
        Assert.Equal(new float[] { 2, 20, 200 }, x.Grad!.ToArray<float>());
        recorded[1].Sum().Backward();

        Assert.Equal(new float[] { 5, 23, 203 }, x.Grad!.ToArray<float>());
        Assert.Equal(2, calls);
        Assert.Equal("Pair", recorded[1].GradFn!.Name);
    }
}
