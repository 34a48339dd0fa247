using System.Diagnostics;
using DeepGen.Data;
using DeepGen.Optim;

namespace DeepGen.Examples.FashionMnist;

/// <summary>The training loop: Adam with cosine annealing, cross-entropy loss, test accuracy after each epoch.</summary>
public sealed class Trainer(Module model, TextWriter output)
{
    readonly ITensorModule network = (ITensorModule)model;

    public List<double> EpochLoss { get; } = [];
    public List<double> EpochAccuracy { get; } = [];

    public void Fit(TensorDataset train, TensorDataset test, int epochs, int batchSize, double learningRate, ulong seed)
    {
        var loader = new DataLoader(train, batchSize, shuffle: true, dropLast: true, generator: new Generator(seed));
        var optimizer = new Adam(model.Parameters(), lr: learningRate);
        var schedule = new CosineAnnealingLR(optimizer, tMax: epochs * loader.Count);
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            model.Train();
            var clock = Stopwatch.StartNew();
            var progress = new ProgressBar($"epoch {epoch,2}/{epochs}", loader.Count, output);
            double lossSum = 0;
            int batches = 0, samples = 0;
            foreach (var batch in loader)
            {
                var (images, labels) = (batch[0], batch[1]);
                var loss = F.CrossEntropy(network.Forward(images), labels);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                schedule.Step();
                lossSum += loss.Item<float>();
                batches++;
                samples += images.Size(0);
                progress.Update(batches, lossSum / batches, samples);
            }
            double trainSeconds = clock.Elapsed.TotalSeconds;
            double accuracy = Evaluate(model, test);
            EpochLoss.Add(lossSum / Math.Max(1, batches));
            EpochAccuracy.Add(accuracy);
            output.WriteLine($"epoch {epoch,2}/{epochs}: train loss {lossSum / Math.Max(1, batches):F4}, test accuracy {accuracy:F4}, epoch time {trainSeconds:F1} s ({samples / trainSeconds:F0} samples/s)");
        }
    }

    /// <summary>Fraction of <paramref name="data"/> classified correctly, in eval mode and without autograd.</summary>
    public static double Evaluate(Module model, TensorDataset data)
    {
        model.Eval();
        var network = (ITensorModule)model;
        long correct = 0;
        using (Torch.NoGrad())
            foreach (var batch in new DataLoader(data, 1000))
                correct += network.Forward(batch[0]).Argmax(1).Eq(batch[1]).Sum().Item<long>();
        return (double)correct / data.Count;
    }
}
