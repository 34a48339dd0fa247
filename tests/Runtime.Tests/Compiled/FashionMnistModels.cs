namespace DeepGen.Tests.Compiled;

// A copy of examples/FashionMnist/Models.cs: the generator compiles these in this project, and
// CompiledVsEagerTests runs the compiled path against the eager Forward.

/// <summary>"2 Conv+pooling+BN" from Fashion-MNIST's benchmark table.</summary>
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

/// <summary>"MLP 256-128-100" from Fashion-MNIST's benchmark table.</summary>
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
