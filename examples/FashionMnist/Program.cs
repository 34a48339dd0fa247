using System.Diagnostics;
using System.Globalization;
using DeepGen.Data;
using DeepGen.IO;

namespace DeepGen.Examples.FashionMnist;

/// <summary>
/// Trains the two Fashion-MNIST benchmark models on the real data set, prints test accuracy per epoch,
/// saves each model as a safetensors checkpoint and its curves as an SVG, and evaluates checkpoints.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out);

    public static int Run(string[] args, TextWriter output)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            output.WriteLine($"error: {e.Message}\n\n{Options.Usage}");
            return 2;
        }
        if (args.Contains("--help") || args.Contains("-h"))
        {
            output.WriteLine(Options.Usage);
            return 0;
        }

        TensorDataset train, test;
        try
        {
            string folder = options.DataFolder ?? DeepGen.Data.FashionMnist.DefaultFolder;
            train = DeepGen.Data.FashionMnist.Load(folder, train: true);
            test = DeepGen.Data.FashionMnist.Load(folder, train: false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            output.WriteLine($"error: {e.Message}");
            return 1;
        }
        output.WriteLine($"Fashion-MNIST: {train.Count} training and {test.Count} test images");

        if (options.EvaluatePath is { } checkpoint) return EvaluateCheckpoint(checkpoint, test, output);

        if (options.Quick)
        {
            // a slice of the data, so tests and smoke runs take seconds
            train = Slice(train, 2048);
            test = Slice(test, 1000);
        }
        Directory.CreateDirectory(options.OutputFolder);
        foreach (var name in options.Model == "both" ? ["mlp", "cnn"] : new[] { options.Model })
            TrainOne(name, options, train, test, output);
        return 0;
    }

    static void TrainOne(string name, Options options, TensorDataset train, TensorDataset test, TextWriter output)
    {
        Torch.ManualSeed(options.Seed);
        var model = CreateModel(name);
        int epochs = options.Epochs ?? (options.Quick ? 1 : name == "cnn" ? 15 : 30);
        double lr = options.LearningRate ?? 1e-3;
        output.WriteLine($"\n== {Describe(name)}: {model.Parameters().Sum(p => p.Numel):N0} parameters, {epochs} epochs, batch {options.BatchSize}, Adam lr {lr} (cosine)");
        var trainer = new Trainer(model, output);
        var clock = Stopwatch.StartNew();
        long compiledBefore = DeepGen.Compiled.CompiledDispatch.CompiledCalls;
        trainer.Fit(train, test, epochs, options.BatchSize, lr, options.Seed);
        double accuracy = trainer.EpochAccuracy[^1];
        output.WriteLine($"{name}: final test accuracy {accuracy:F4} after {epochs} epochs in {clock.Elapsed.TotalSeconds:F0} s");
        output.WriteLine(DeepGen.Compiled.CompiledDispatch.CompiledCalls > compiledBefore && DeepGen.Compiled.CompiledDispatch.LastFallback is null
            ? $"{name}: forward and backward ran as compiled by the generator at build time"
            : $"{name}: ran on the eager path ({DeepGen.Compiled.CompiledDispatch.LastFallback ?? "no compiled code"})");

        string checkpoint = Path.Combine(options.OutputFolder, $"{name}.safetensors");
        Safetensors.Save(checkpoint, model.StateDict(), new Dictionary<string, string>
        {
            ["model"] = name,
            ["epochs"] = epochs.ToString(CultureInfo.InvariantCulture),
            ["test_accuracy"] = accuracy.ToString("R", CultureInfo.InvariantCulture),
        });
        string plot = Path.Combine(options.OutputFolder, $"{name}-curves.svg");
        CurvePlot.WriteSvg(plot, $"{Describe(name)} on Fashion-MNIST", trainer.EpochLoss, trainer.EpochAccuracy);
        output.WriteLine($"saved {checkpoint} and {plot}");
    }

    static int EvaluateCheckpoint(string path, TensorDataset test, TextWriter output)
    {
        var tensors = Safetensors.Load(path, out var metadata);
        if (!metadata.TryGetValue("model", out var name) || name is not ("cnn" or "mlp"))
        {
            output.WriteLine($"error: {path} does not say which model it holds (metadata \"model\" must be cnn or mlp)");
            return 1;
        }
        var model = CreateModel(name);
        model.LoadStateDict(tensors);
        double accuracy = Trainer.Evaluate(model, test);
        output.WriteLine($"{name} from {path}: test accuracy {accuracy:F4}");
        return 0;
    }

    public static Module CreateModel(string name) => name switch
    {
        "cnn" => new ConvNet(),
        "mlp" => new Mlp(),
        _ => throw new ArgumentException($"unknown model {name}"),
    };

    static string Describe(string name) => name == "cnn" ? "2 Conv+pooling+BN" : "MLP 256-128-100";

    static TensorDataset Slice(TensorDataset data, int count)
    {
        count = Math.Min(count, data.Count);
        return new TensorDataset([.. data.Tensors.Select(t => t.Narrow(0, 0, count))]);
    }
}
