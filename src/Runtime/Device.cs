namespace DeepGen;

/// <summary>Where a tensor's storage lives. The CPU is the only backend today; CUDA arrives with its issue.</summary>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    public static Device Cpu { get; } = new(DeviceType.Cpu);

    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : $"cuda:{Index}";
}

public enum DeviceType
{
    Cpu,
    Cuda,
}
