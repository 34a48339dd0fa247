using System.Runtime.InteropServices;

namespace DeepGen.Cuda;

/// <summary>
/// The part of the CUDA driver API (cuda.h, <c>libcuda.so.1</c>) needed to load a compiled module and launch
/// its kernels, bound with <c>[LibraryImport]</c>. Entry points are the exported ABI names (<c>_v2</c> where
/// cuda.h maps to one). The CUDA backend builds its memory, stream and launch layers on these.
/// </summary>
internal static unsafe partial class Driver
{
    /// <summary>CUDA_SUCCESS.</summary>
    public const int Success = 0;

    /// <summary>CUDA_ERROR_NO_DEVICE.</summary>
    public const int NoDevice = 100;

    /// <summary>CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR.</summary>
    public const int ComputeCapabilityMajor = 75;

    /// <summary>CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR.</summary>
    public const int ComputeCapabilityMinor = 76;

    /// <summary>CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT.</summary>
    public const int MultiprocessorCount = 16;

    static Driver() => CudaLibraries.EnsureResolver();

    /// <summary>True when the driver library loads (an NVIDIA driver is installed); says which file or what was tried.</summary>
    public static bool TryLoad(out string detail) => CudaLibraries.TryLoad(CudaLibraries.Driver, out _, out detail);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuInit")]
    public static partial int Init(uint flags);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuDriverGetVersion")]
    public static partial int DriverGetVersion(out int version);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuDeviceGetCount")]
    public static partial int DeviceGetCount(out int count);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuDeviceGet")]
    public static partial int DeviceGet(out int device, int ordinal);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuDeviceGetName")]
    public static partial int DeviceGetName(byte* name, int length, int device);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuDeviceGetAttribute")]
    public static partial int DeviceGetAttribute(out int value, int attribute, int device);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuDevicePrimaryCtxRetain")]
    public static partial int DevicePrimaryCtxRetain(out IntPtr context, int device);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    public static partial int DevicePrimaryCtxRelease(int device);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuCtxSetCurrent")]
    public static partial int CtxSetCurrent(IntPtr context);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuCtxSynchronize")]
    public static partial int CtxSynchronize();

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuModuleLoadData")]
    public static partial int ModuleLoadData(out IntPtr module, byte* image);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuModuleUnload")]
    public static partial int ModuleUnload(IntPtr module);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuModuleGetFunction", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ModuleGetFunction(out IntPtr function, IntPtr module, string name);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemAlloc_v2")]
    public static partial int MemAlloc(out ulong pointer, nuint bytes);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemFree_v2")]
    public static partial int MemFree(ulong pointer);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemcpyHtoD_v2")]
    public static partial int MemcpyHtoD(ulong destination, void* source, nuint bytes);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemcpyDtoH_v2")]
    public static partial int MemcpyDtoH(void* destination, ulong source, nuint bytes);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuLaunchKernel")]
    public static partial int LaunchKernel(IntPtr function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedMemoryBytes, IntPtr stream, void** parameters, void** extra);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuGetErrorName")]
    public static partial int GetErrorName(int result, out byte* name);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuGetErrorString")]
    public static partial int GetErrorString(int result, out byte* text);

    /// <summary>Throws <see cref="CudaException"/> naming the call when <paramref name="result"/> is not CUDA_SUCCESS.</summary>
    public static void Check(int result, string call)
    {
        if (result != Success)
        {
            throw new CudaException(call, result, Describe(result));
        }
    }

    /// <summary>The driver's name and text for a result code (<c>CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected</c>).</summary>
    public static string Describe(int result)
    {
        string name = GetErrorName(result, out byte* n) == Success && n != null ? Marshal.PtrToStringUTF8((IntPtr)n) ?? "" : "";
        string text = GetErrorString(result, out byte* t) == Success && t != null ? Marshal.PtrToStringUTF8((IntPtr)t) ?? "" : "";
        return name.Length == 0 ? $"CUDA error {result}" : $"{name}: {text}";
    }
}

/// <summary>A CUDA driver call failed; the message names the call and the driver's error.</summary>
public sealed class CudaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CudaException(string call, int result, string description)
        : base($"CUDA: {call} failed with {description} ({result}).")
    {
        Call = call;
        Result = result;
    }

    /// <summary>The driver function that failed.</summary>
    public string Call { get; }

    /// <summary>The CUresult code.</summary>
    public int Result { get; }
}
