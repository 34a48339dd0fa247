using System.Globalization;

namespace DeepGen.Examples.FashionMnist;

/// <summary>Command-line options of the example; <see cref="Usage"/> lists them.</summary>
public sealed record Options
{
    public string Model { get; init; } = "both";
    public int? Epochs { get; init; }
    public int BatchSize { get; init; } = 64;
    public double? LearningRate { get; init; }
    public string? DataFolder { get; init; }
    public string OutputFolder { get; init; } = Path.Combine("runs", "fashion-mnist");
    public bool Quick { get; init; }
    public string? EvaluatePath { get; init; }
    public ulong Seed { get; init; } = 1;

    public const string Usage = """
        Trains the Fashion-MNIST benchmark models with DeepGen and reports test accuracy.

        usage: FashionMnist [--model cnn|mlp|both] [--epochs N] [--batch-size N] [--lr X] [--seed N]
                            [--data DIR] [--out DIR] [--quick] [--eval CHECKPOINT]

          --model       which model to train: cnn ("2 Conv+pooling+BN"), mlp ("MLP 256-128-100") or both (default)
          --epochs      epochs to train (default: cnn 15, mlp 30)
          --batch-size  mini-batch size (default 64)
          --lr          Adam learning rate (default 1e-3), annealed to 0 with a cosine schedule
          --data        folder holding the four IDX files (default: /usr/share/datasets/fashion-mnist)
          --out         where checkpoints (.safetensors) and curves (.svg) are written (default runs/fashion-mnist)
          --quick       a few seconds' run on a slice of the data (for tests)
          --eval        evaluate a saved checkpoint on the test set instead of training
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value");
            options = args[i] switch
            {
                "--model" => options with { Model = ModelName(Value()) },
                "--epochs" => options with { Epochs = PositiveInt(Value(), "--epochs") },
                "--batch-size" => options with { BatchSize = PositiveInt(Value(), "--batch-size") },
                "--lr" => options with { LearningRate = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--seed" => options with { Seed = ulong.Parse(Value(), CultureInfo.InvariantCulture) },
                "--data" => options with { DataFolder = Value() },
                "--out" => options with { OutputFolder = Value() },
                "--quick" => options with { Quick = true },
                "--eval" => options with { EvaluatePath = Value() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return options;
    }

    static string ModelName(string text) =>
        text is "cnn" or "mlp" or "both" ? text : throw new ArgumentException($"--model must be cnn, mlp or both, got {text}");

    static int PositiveInt(string text, string name) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name} must be a positive integer, got {text}");
}
