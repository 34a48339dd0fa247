using DeepGen;

namespace Corpus;

[Model]
public partial class ConvNet : Module
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
