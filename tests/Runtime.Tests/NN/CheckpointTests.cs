using DeepGen.IO;

namespace DeepGen.Tests;

/// <summary>Model checkpoints end to end: a module's state dict through a safetensors file and back.</summary>
public class CheckpointTests
{
    static Sequential Model() => new(new Linear(4, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 3));

    static Dictionary<string, float[]> Snapshot(Module m) => m.StateDict().ToDictionary(e => e.Key, e => e.Value.ToArray<float>());

    [Fact]
    public void SaveLoadIntoAFreshModelGivesIdenticalOutputs()
    {
        using var folder = new TempFolder();
        var trained = Model();
        trained.Forward(Tensor.Randn(16, 4));  // running statistics move away from their defaults
        Safetensors.Save(folder["model.safetensors"], trained.StateDict());

        var fresh = Model();
        fresh.LoadStateDict(Safetensors.Load(folder["model.safetensors"]));
        trained.Eval();
        fresh.Eval();
        var x = Tensor.Randn(5, 4);
        Assert.Equal(trained.Forward(x).ToArray<float>(), fresh.Forward(x).ToArray<float>());
        Assert.Equal(Snapshot(trained), Snapshot(fresh));
    }

    [Fact]
    public void TruncatedOrCorruptFilesAreRejectedAndTheModelIsLeftUnchanged()
    {
        using var folder = new TempFolder();
        var path = folder["model.safetensors"];
        Safetensors.Save(path, Model().StateDict());
        var bytes = File.ReadAllBytes(path);
        var model = Model();
        var before = Snapshot(model);

        var truncated = folder.Write("truncated.safetensors", bytes[..^10]);
        var e = Assert.Throws<InvalidDataException>(() => model.LoadStateDict(Safetensors.Load(truncated)));
        Assert.Contains("truncated.safetensors", e.Message);

        var corrupt = (byte[])bytes.Clone();
        corrupt[8] = (byte)'[';  // the JSON header must be an object
        var c = Assert.Throws<InvalidDataException>(() => model.LoadStateDict(Safetensors.Load(folder.Write("corrupt.safetensors", corrupt))));
        Assert.Contains("corrupt.safetensors", c.Message);
        Assert.Equal(before, Snapshot(model));
    }

    [Fact]
    public void MissingKeysAndWrongShapesAreRejectedAndTheModelIsLeftUnchanged()
    {
        using var folder = new TempFolder();
        var state = Model().StateDict();
        state.Remove("3.bias");
        state["0.weight"] = Tensor.Zeros(8, 5);
        Safetensors.Save(folder["bad.safetensors"], state);
        var model = Model();
        var before = Snapshot(model);
        var e = Assert.Throws<InvalidOperationException>(() => model.LoadStateDict(Safetensors.Load(folder["bad.safetensors"])));
        Assert.Contains("Missing key(s) in state_dict: \"3.bias\".", e.Message);
        Assert.Contains("size mismatch for 0.weight: copying a param with shape [8, 5] from the checkpoint, the shape in the current model is [8, 4]", e.Message);
        Assert.Equal(before, Snapshot(model));
    }
}
