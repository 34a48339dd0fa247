using System.Text.RegularExpressions;
using Example = DeepGen.Examples.FashionMnist.Program;

namespace DeepGen.Examples.Tests;

/// <summary>
/// The Fashion-MNIST example in --quick mode on the real data set (Debian's dataset-fashion-mnist, which
/// .ci/run installs): it trains, saves, and the saved checkpoint evaluates to the same accuracy.
/// </summary>
public sealed class FashionMnistExampleTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("deepgen-example-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static (int Code, string Text) Run(params string[] args)
    {
        var output = new StringWriter();
        int code = Example.Run(args, output);
        return (code, output.ToString());
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void QuickRunTrainsSavesAndReloadsToTheSameAccuracy(string model)
    {
        var (code, text) = Run("--quick", "--model", model, "--out", folder);
        Assert.True(code == 0, text);
        var trained = Regex.Match(text, $@"{model}: final test accuracy (\d\.\d+)");
        Assert.True(trained.Success, text);
        Assert.Contains("epoch time", text);
        Assert.Contains($"{model}: forward and backward ran as compiled by the generator at build time", text);
        Assert.Contains("samples/s", text);
        // a slice of 2048 images is enough to learn far better than chance (0.1)
        Assert.True(double.Parse(trained.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0.5, text);
        Assert.True(File.Exists(Path.Combine(folder, $"{model}-curves.svg")));

        var checkpoint = Path.Combine(folder, $"{model}.safetensors");
        var (evalCode, evalText) = Run("--eval", checkpoint, "--quick");
        Assert.True(evalCode == 0, evalText);
        var reloaded = Regex.Match(evalText, @"test accuracy (\d\.\d+)");
        Assert.True(reloaded.Success, evalText);
    }

    [Fact]
    public void SavedCheckpointEvaluatesToTheIdenticalAccuracy()
    {
        var (code, text) = Run("--quick", "--model", "mlp", "--out", folder);
        Assert.True(code == 0, text);
        var checkpoint = Path.Combine(folder, "mlp.safetensors");
        var data = DeepGen.Data.FashionMnist.Load(DeepGen.Data.FashionMnist.DefaultFolder, train: false);
        var tensors = DeepGen.IO.Safetensors.Load(checkpoint);
        var first = Example.CreateModel("mlp");
        first.LoadStateDict(tensors);
        var second = Example.CreateModel("mlp");
        second.LoadStateDict(first.StateDict());
        double a = DeepGen.Examples.FashionMnist.Trainer.Evaluate(first, data);
        double b = DeepGen.Examples.FashionMnist.Trainer.Evaluate(second, data);
        Assert.Equal(a, b);
    }

    [Fact]
    public void MissingDataSaysWhereItLookedAndHowToGetIt()
    {
        var (code, text) = Run("--data", Path.Combine(folder, "nowhere"), "--quick");
        Assert.Equal(1, code);
        Assert.Contains("nowhere", text);
        Assert.Contains("apt-get install dataset-fashion-mnist", text);
    }

    [Fact]
    public void BadOptionsPrintUsage()
    {
        var (code, text) = Run("--epochs", "zero");
        Assert.Equal(2, code);
        Assert.Contains("--epochs must be a positive integer, got zero", text);
        Assert.Contains("usage: FashionMnist", text);
    }
}
