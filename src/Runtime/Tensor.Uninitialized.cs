namespace DeepGen;

public sealed partial class Tensor
{
    /// <summary>
    /// A new contiguous tensor whose elements are garbage (PyTorch's <c>torch.empty</c>), for kernels that
    /// write every element: it skips zeroing the buffer, a full extra pass over memory for big tensors.
    /// </summary>
    internal static Tensor Uninitialized(int[] shape, DType dtype) =>
        new(Storage.Allocate(dtype, Shapes.Numel(shape), uninitialized: true), shape, Shapes.ContiguousStrides(shape), 0);
}
