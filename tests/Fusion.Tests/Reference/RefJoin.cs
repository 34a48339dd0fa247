using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Tests.Reference;

/// <summary>Reference narrow, cat and stack, and their gradients, with plain index loops.</summary>
internal static class RefJoin
{
    public static RefTensor Cat(RefTensor[] xs, Attrs a)
    {
        RefTensor[] joined = xs.Where(x => !IsLegacyEmpty(x)).ToArray();
        if (joined.Length == 0)
        {
            return new RefTensor([0]);
        }

        int dim = RefOps.Norm(a.Int("dim"), joined[0].Rank);
        int[] shape = (int[])joined[0].Shape.Clone();
        shape[dim] = joined.Sum(x => x.Shape[dim]);
        var result = new RefTensor(shape);
        int start = 0;
        foreach (RefTensor x in joined)
        {
            for (int i = 0; i < x.Data.Length; i++)
            {
                int[] index = RefTensor.Unravel(i, x.Shape);
                index[dim] += start;
                result[index] = x.Data[i];
            }

            start += x.Shape[dim];
        }

        return result;
    }

    public static RefTensor Stack(RefTensor[] xs, Attrs a)
    {
        int dim = RefOps.Norm(a.Int("dim"), xs[0].Rank + 1);
        var shape = xs[0].Shape.ToList();
        shape.Insert(dim, xs.Length);
        var result = new RefTensor(shape.ToArray());
        for (int k = 0; k < xs.Length; k++)
        {
            for (int i = 0; i < xs[k].Data.Length; i++)
            {
                var index = RefTensor.Unravel(i, xs[k].Shape).ToList();
                index.Insert(dim, k);
                result[index.ToArray()] = xs[k].Data[i];
            }
        }

        return result;
    }

    /// <summary>Input <c>index</c>'s slice of cat's gradient <paramref name="g"/>; <paramref name="inputs"/> give the sizes.</summary>
    public static RefTensor CatBackward(RefTensor g, RefTensor[] inputs, Attrs a)
    {
        int k = (int)a.Int("index");
        if (IsLegacyEmpty(inputs[k]))
        {
            return new RefTensor([0]);
        }

        int dim = RefOps.Norm(a.Int("dim"), g.Rank);
        int start = inputs.Take(k).Where(x => !IsLegacyEmpty(x)).Sum(x => x.Shape[dim]);
        var result = new RefTensor(inputs[k].Shape);
        for (int i = 0; i < result.Data.Length; i++)
        {
            int[] index = RefTensor.Unravel(i, result.Shape);
            index[dim] += start;
            result.Data[i] = g[index];
        }

        return result;
    }

    /// <summary>The slice of stack's gradient <paramref name="g"/> at <c>index</c> along dim, shaped like <paramref name="like"/>.</summary>
    public static RefTensor StackBackward(RefTensor g, RefTensor like, Attrs a)
    {
        int dim = RefOps.Norm(a.Int("dim"), g.Rank);
        int k = (int)a.Int("index");
        var result = new RefTensor(like.Shape);
        for (int i = 0; i < result.Data.Length; i++)
        {
            var index = RefTensor.Unravel(i, result.Shape).ToList();
            index.Insert(dim, k);
            result.Data[i] = g[index.ToArray()];
        }

        return result;
    }

    public static RefTensor Narrow(RefTensor x, Attrs a)
    {
        (int dim, int start, int length) = NarrowRange(x.Shape, a);
        int[] shape = (int[])x.Shape.Clone();
        shape[dim] = length;
        var result = new RefTensor(shape);
        for (int i = 0; i < result.Data.Length; i++)
        {
            int[] index = RefTensor.Unravel(i, shape);
            index[dim] += start;
            result.Data[i] = x[index];
        }

        return result;
    }

    /// <summary>Narrow's gradient: <paramref name="g"/> in zeros of <paramref name="inputShape"/>.</summary>
    public static RefTensor NarrowBackward(RefTensor g, int[] inputShape, Attrs a)
    {
        (int dim, int start, _) = NarrowRange(inputShape, a);
        var result = new RefTensor(inputShape);
        for (int i = 0; i < g.Data.Length; i++)
        {
            int[] index = RefTensor.Unravel(i, g.Shape);
            index[dim] += start;
            result[index] = g.Data[i];
        }

        return result;
    }

    private static (int Dim, int Start, int Length) NarrowRange(int[] shape, Attrs a)
    {
        int dim = RefOps.Norm(a.Int("dim"), shape.Length);
        int start = (int)a.Int("start");
        return (dim, start < 0 ? start + shape[dim] : start, (int)a.Int("length"));
    }

    private static bool IsLegacyEmpty(RefTensor x) => x.Rank == 1 && x.Shape[0] == 0;
}
