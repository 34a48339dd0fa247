namespace DeepGen.Data;

/// <summary>
/// Fashion-MNIST (Zalando's 28x28 grayscale clothing images, 10 classes; 60,000 training and 10,000 test
/// images) from its four IDX files, gzip-compressed or not. Debian's package <c>dataset-fashion-mnist</c>
/// installs them in <see cref="DefaultFolder"/>.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where <c>apt-get install dataset-fashion-mnist</c> puts the files.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> Classes { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads the training or test split from <see cref="DefaultFolder"/>.</summary>
    public static TensorDataset Load(bool train) => Load(DefaultFolder, train);

    /// <summary>
    /// Loads the training (<c>train-*</c>) or test (<c>t10k-*</c>) split from <paramref name="folder"/>: a
    /// dataset of float32 images [N, 1, rows, cols] scaled to [0, 1] and int64 labels [N] in 0..9.
    /// </summary>
    public static TensorDataset Load(string folder, bool train)
    {
        string split = train ? "train" : "t10k";
        string imagesPath = Find(folder, split, "images", 3, train);
        string labelsPath = Find(folder, split, "labels", 1, train);
        var images = IdxReader.Read(imagesPath);
        var labels = IdxReader.Read(labelsPath);

        if (images.DataType != IdxDataType.UnsignedByte || images.Shape.Length != 3)
            throw new InvalidDataException($"fashion_mnist: '{imagesPath}' holds {images.DataType.Name()} data of shape {Shapes.Format(images.Shape)}; images must be unsigned bytes [N, rows, cols]");
        if (labels.DataType != IdxDataType.UnsignedByte || labels.Shape.Length != 1)
            throw new InvalidDataException($"fashion_mnist: '{labelsPath}' holds {labels.DataType.Name()} data of shape {Shapes.Format(labels.Shape)}; labels must be unsigned bytes [N]");
        if (images.Count != labels.Count)
            throw new InvalidDataException($"fashion_mnist: '{imagesPath}' has {images.Count} images (shape {Shapes.Format(images.Shape)}) but '{labelsPath}' has {labels.Count} labels");
        for (int i = 0; i < labels.Data.Length; i++)
            if (labels.Data[i] >= Classes.Count)
                throw new InvalidDataException($"fashion_mnist: '{labelsPath}': label {i} is {labels.Data[i]}, outside the {Classes.Count} classes 0..{Classes.Count - 1}");

        return new TensorDataset(images.ToImagesTensor(), labels.ToLabelsTensor());
    }

    /// <summary>The path of one of the four files, accepting the usual spellings, or an exception telling where it looked.</summary>
    static string Find(string folder, string split, string kind, int rank, bool train)
    {
        string[] names =
        [
            $"{split}-{kind}-idx{rank}-ubyte", $"{split}-{kind}-idx{rank}-ubyte.gz",
            $"{split}-{kind}.idx{rank}-ubyte", $"{split}-{kind}.idx{rank}-ubyte.gz",
        ];
        foreach (var name in names)
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }
        string full = Path.GetFullPath(folder);
        string state = Directory.Exists(full) ? "" : " (the folder does not exist)";
        throw new FileNotFoundException(
            $"fashion_mnist: no {(train ? "training" : "test")} {kind} file in '{full}'{state}: looked for {string.Join(", ", names)}. " +
            $"On Debian or Ubuntu, 'apt-get install dataset-fashion-mnist' installs the dataset in {DefaultFolder}; " +
            "otherwise put the original files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz " +
            "and t10k-labels-idx1-ubyte.gz from the Fashion-MNIST project (zalando-research/fashion-mnist on GitHub) in that folder.",
            Path.Combine(full, names[1]));
    }
}
