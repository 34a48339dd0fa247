using Xunit;

namespace DeepGen.SnapshotTests;

/// <summary>What the front-end lowers Forward to (the Forward step's value), for the example models.</summary>
public class ForwardSnapshotTests
{
    [Fact]
    public void Fashion_mnist_mlp_and_convnet()
    {
        // Copied from examples/FashionMnist/Models.cs.
        const string models = """
            using DeepGen;

            namespace DeepGen.Examples.FashionMnist;

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
                    var h = F.MaxPool2d(F.Relu(bn1.Forward(conv1.Forward(x))), 2);   // [B, 32, 14, 14]
                    h = F.MaxPool2d(F.Relu(bn2.Forward(conv2.Forward(h))), 2);       // [B, 64, 7, 7]
                    h = dropout.Forward(F.Relu(fc1.Forward(h.Flatten(1))));          // [B, 128]
                    return fc2.Forward(h);                                           // [B, 10]
                }
            }

            [Model]
            public sealed partial class Mlp : Module, ITensorModule
            {
                readonly Linear fc1 = new(28 * 28, 256);
                readonly Linear fc2 = new(256, 128);
                readonly Linear fc3 = new(128, 100);
                readonly Linear fc4 = new(100, 10);

                public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x)
                {
                    var h = F.Relu(fc1.Forward(x.Flatten(1)));
                    h = F.Relu(fc2.Forward(h));
                    h = F.Relu(fc3.Forward(h));
                    return fc4.Forward(h);
                }
            }
            """;

        Snapshot.Verify("Forward.FashionMnist", ForwardOutput.Render(("FashionMnist/Models.cs", models)));
    }

    [Fact]
    public void Transformer_block()
    {
        // Pre-norm causal self-attention and a GELU MLP, both with residual adds; the attention is a helper
        // method (inlined), the mask comes in as a [T, T] tensor of ones below the diagonal.
        const string model = """
            using System;
            using DeepGen;

            namespace Samples.Text;

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
                    Tensor q = query.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);   // [B, H, T, hd]
                    Tensor k = key.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);
                    Tensor v = value.Forward(x).View(b, t, Heads, -1).Transpose(1, 2);
                    Tensor scores = q.MatMul(k.Transpose(-2, -1)) * (1.0 / Math.Sqrt(HeadDim));
                    scores = scores.MaskedFill(causal.Eq(0), double.NegativeInfinity);
                    Tensor attention = F.Softmax(scores, -1);
                    return proj.Forward(attention.MatMul(v).Transpose(1, 2).Reshape(b, t, D));
                }
            }
            """;

        Snapshot.Verify("Forward.TransformerBlock", ForwardOutput.Render(("Text/TransformerBlock.cs", model)));
    }

    [Fact]
    public void Symbolic_layer_sizes_sub_models_and_unrolled_loops()
    {
        // Mixer's d is a symbolic dimension (Linear(d, 4 * d) has weight [4*d, d]); Stack creates Mixers
        // with d = 32 and inlines them (state names prefixed), and unrolls a constant loop.
        const string models = """
            using DeepGen;

            namespace Samples.Blocks;

            [Model]
            public partial class Mixer(int d) : Module
            {
                readonly Linear up = new(d, 4 * d);
                readonly GELU act = new();
                readonly Linear down = new(outFeatures: d, inFeatures: 4 * d);

                public Tensor Forward([Shape("B, T, d")] Tensor x) => x + down.Forward(act.Forward(up.Forward(x)));
            }

            [Model]
            public partial class Stack : Module
            {
                const int Width = 32;
                readonly Mixer first = new(Width);
                readonly Mixer _second;
                readonly Tensor scale = Tensor.Ones(Width).RequiresGrad_();

                public Stack() => _second = new Mixer(Width);

                public Tensor Forward([Shape("B, 8, 32")] Tensor x)
                {
                    var h = second(first.Forward(x));
                    for (int i = 0; i < 3; i++)
                    {
                        h = h + F.Tanh(h) * (i + 1);
                    }

                    return -h * scale / 2;
                }

                Tensor second(Tensor x) => _second.Forward(x);
            }
            """;

        Snapshot.Verify("Forward.SubModels", ForwardOutput.Render(("Blocks/Models.cs", models)));
    }

    [Fact]
    public void Model_with_a_data_dependent_branch()
    {
        const string model = """
            using DeepGen;

            namespace Samples;

            [Model]
            public partial class Gate : Module
            {
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    if (h.Sum().Item<float>() > 0)
                    {
                        h = F.Relu(h);
                    }

                    return h;
                }
            }
            """;

        Snapshot.Verify("Forward.DataDependentBranch", ForwardOutput.Render(("Samples/Gate.cs", model)));
    }
}
