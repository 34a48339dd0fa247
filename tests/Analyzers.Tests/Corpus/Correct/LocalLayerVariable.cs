using DeepGen;

namespace Corpus;

// Assigning a local that holds a module is not a reassignment of the model's field.
[Model]
public partial class LocalLayerVariable : Module
{
    readonly Linear first = new(16, 16);
    readonly Linear second = new(16, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x) => second.Forward(first.Forward(x));

    public Linear Pick(bool useFirst)
    {
        Linear chosen = second;
        if (useFirst)
        {
            chosen = first;
        }

        return chosen;
    }
}
