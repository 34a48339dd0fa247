namespace DeepGen;

/// <summary>
/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64), so that rand, randn,
/// randint, dropout and shuffles are reproducible run to run, as with <c>torch.manual_seed</c>.
/// </summary>
public sealed class Generator
{
    ulong s0, s1, s2, s3;
    double? spareNormal;

    public Generator(ulong seed = 0) => ManualSeed(seed);

    /// <summary>The generator used when an op is not given one; reseed it with <see cref="Torch.ManualSeed"/>.</summary>
    public static Generator Default { get; } = new(0);

    public ulong InitialSeed { get; private set; }

    public Generator ManualSeed(ulong seed)
    {
        InitialSeed = seed;
        ulong x = seed;
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
        spareNormal = null;
        return this;
    }

    static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [low, high).</summary>
    public long NextInt64(long low, long high)
    {
        if (high <= low) throw new ArgumentException($"randint: high ({high}) must be greater than low ({low})");
        ulong range = (ulong)(high - low);
        // rejection sampling keeps the distribution exactly uniform
        ulong limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return low + (long)(r % range);
    }

    /// <summary>Standard normal sample (Box-Muller, both values used).</summary>
    public double NextNormal()
    {
        if (spareNormal is { } spare)
        {
            spareNormal = null;
            return spare;
        }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        spareNormal = radius * Math.Sin(2 * Math.PI * u2);
        return radius * Math.Cos(2 * Math.PI * u2);
    }
}
