using DeepGen.Data;

namespace DeepGen.Tests.Data;

public class FashionMnistTests
{
    /// <summary>Writes a small split: images gzip-compressed (as distributed), labels plain.</summary>
    static void WriteSplit(TempFolder dir, string split, int count, byte[]? labels = null, int rows = 4, int cols = 3)
    {
        labels ??= [.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))];
        dir.Write($"{split}-images-idx3-ubyte.gz", IdxBytes.Gzip(IdxBytes.Make(0x08, [count, rows, cols], IdxBytes.Pixels(count * rows * cols))));
        dir.Write($"{split}-labels-idx1-ubyte", IdxBytes.Make(0x08, [labels.Length], labels));
    }

    [Fact]
    public void LoadsBothSplits()
    {
        using var dir = new TempFolder();
        WriteSplit(dir, "train", 7);
        WriteSplit(dir, "t10k", 3);

        var train = FashionMnist.Load(dir.Path, train: true);
        Assert.Equal(7, train.Count);
        var images = train.Tensors[0];
        Assert.Equal(new[] { 7, 1, 4, 3 }, images.ShapeArray());
        Assert.Equal(DType.Float32, images.DType);
        var pixels = IdxBytes.Pixels(7 * 12);
        var values = images.ToArray<float>();
        for (int k = 0; k < pixels.Length; k++) Assert.Equal(pixels[k] / 255f, values[k], 1e-7f);
        Assert.Equal(DType.Int64, train.Tensors[1].DType);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6 }, train.Tensors[1].ToArray<long>());

        var test = FashionMnist.Load(dir.Path, train: false);
        Assert.Equal(3, test.Count);
        Assert.Equal(10, FashionMnist.Classes.Count);
        Assert.Equal("Ankle boot", FashionMnist.Classes[9]);
    }

    [Fact]
    public void AcceptsTheDottedSpelling()
    {
        using var dir = new TempFolder();
        dir.Write("t10k-images.idx3-ubyte", IdxBytes.Make(0x08, [2, 2, 2], IdxBytes.Pixels(8)));
        dir.Write("t10k-labels.idx1-ubyte.gz", IdxBytes.Gzip(IdxBytes.Make(0x08, [2], [4, 5])));
        Assert.Equal(new long[] { 4, 5 }, FashionMnist.Load(dir.Path, train: false).Tensors[1].ToArray<long>());
    }

    [Fact]
    public void MissingFilesSayWhereItLookedAndHowToGetThem()
    {
        using var dir = new TempFolder();
        string folder = Path.Combine(dir.Path, "nowhere");
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(folder, train: true));
        Assert.StartsWith($"fashion_mnist: no training images file in '{folder}' (the folder does not exist): looked for train-images-idx3-ubyte, train-images-idx3-ubyte.gz, train-images.idx3-ubyte, train-images.idx3-ubyte.gz.", e.Message);
        Assert.Contains("'apt-get install dataset-fashion-mnist' installs the dataset in /usr/share/datasets/fashion-mnist", e.Message);
        Assert.Contains("train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz", e.Message);

        // images present, labels missing
        WriteSplit(dir, "t10k", 2);
        File.Delete(dir["t10k-labels-idx1-ubyte"]);
        e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(dir.Path, train: false));
        Assert.StartsWith($"fashion_mnist: no test labels file in '{dir.Path}': looked for t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz", e.Message);
    }

    [Fact]
    public void ImageAndLabelCountsMustAgree()
    {
        using var dir = new TempFolder();
        WriteSplit(dir, "train", 5, labels: [1, 2, 3, 4]);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path, train: true));
        Assert.Equal($"fashion_mnist: '{dir["train-images-idx3-ubyte.gz"]}' has 5 images (shape [5, 4, 3]) but '{dir["train-labels-idx1-ubyte"]}' has 4 labels", e.Message);
    }

    [Fact]
    public void LabelsMustBeClasses()
    {
        using var dir = new TempFolder();
        WriteSplit(dir, "train", 3, labels: [1, 10, 3]);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path, train: true));
        Assert.Equal($"fashion_mnist: '{dir["train-labels-idx1-ubyte"]}': label 1 is 10, outside the 10 classes 0..9", e.Message);
    }

    [Fact]
    public void FilesMustHoldImagesAndLabels()
    {
        using var dir = new TempFolder();
        // the labels file where the images should be
        dir.Write("train-images-idx3-ubyte", IdxBytes.Make(0x08, [3], [1, 2, 3]));
        dir.Write("train-labels-idx1-ubyte", IdxBytes.Make(0x08, [3], [1, 2, 3]));
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path, train: true));
        Assert.Equal($"fashion_mnist: '{dir["train-images-idx3-ubyte"]}' holds unsigned byte data of shape [3]; images must be unsigned bytes [N, rows, cols]", e.Message);

        dir.Write("train-images-idx3-ubyte", IdxBytes.Make(0x08, [3, 1, 1], [1, 2, 3]));
        dir.Write("train-labels-idx1-ubyte", IdxBytes.Make(0x0C, [3], new byte[12]));
        e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path, train: true));
        Assert.Equal($"fashion_mnist: '{dir["train-labels-idx1-ubyte"]}' holds int data of shape [3]; labels must be unsigned bytes [N]", e.Message);
    }

    /// <summary>
    /// The real test split where Debian's dataset-fashion-mnist is installed; elsewhere, the error that
    /// tells how to install it.
    /// </summary>
    [Fact]
    public void RealTestSplitOrInstallHint()
    {
        if (!File.Exists(Path.Combine(FashionMnist.DefaultFolder, "t10k-images-idx3-ubyte.gz")))
        {
            var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(train: false));
            Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
            return;
        }
        var test = FashionMnist.Load(train: false);
        Assert.Equal(10_000, test.Count);
        Assert.Equal(new[] { 10_000, 1, 28, 28 }, test.Tensors[0].ShapeArray());
        var pixels = test.Tensors[0].ToArray<float>();
        Assert.Equal(0f, pixels.Min());
        Assert.Equal(1f, pixels.Max());
        // the test split is balanced: 1,000 images of each class
        var counts = new int[10];
        foreach (var label in test.Tensors[1].ToArray<long>()) counts[label]++;
        Assert.All(counts, c => Assert.Equal(1000, c));
    }
}
