using System.Diagnostics;
using System.Globalization;
using System.Text;
using DeepGen.Cuda;
using DeepGen.Cuda.GpuCheck;
using DeepGen.Cuda.Tests;
using DeepGen.Fusion.Emit.Cuda;

// Usage: DeepGen.Cuda.GpuCheck [--arch sm_XX]
// Exit codes: 0 every kernel matched, 1 a kernel failed, 2 no CUDA device, 3 no NVRTC or a compile error.
string? arch = args.Length == 2 && args[0] == "--arch" ? args[1] : null;
if (args.Length != 0 && arch is null)
{
    Console.Error.WriteLine("usage: DeepGen.Cuda.GpuCheck [--arch sm_XX]");
    return 64;
}

if (!Driver.TryLoad(out string driverDetail))
{
    Console.WriteLine($"no CUDA device: the CUDA driver library could not be loaded ({driverDetail}); this check needs an NVIDIA GPU with its driver.");
    return 2;
}

int init = Driver.Init(0);
int deviceCount = 0;
if (init != Driver.Success || Driver.DeviceGetCount(out deviceCount) != Driver.Success || deviceCount == 0)
{
    Console.WriteLine($"no CUDA device: {(init != Driver.Success ? "cuInit failed with " + Driver.Describe(init) : "the driver reports 0 devices")}.");
    return 2;
}

Driver.Check(Driver.DeviceGet(out int device, 0), "cuDeviceGet");
Driver.Check(Driver.DeviceGetAttribute(out int major, Driver.ComputeCapabilityMajor, device), "cuDeviceGetAttribute");
Driver.Check(Driver.DeviceGetAttribute(out int minor, Driver.ComputeCapabilityMinor, device), "cuDeviceGetAttribute");
Driver.Check(Driver.DriverGetVersion(out int driverVersion), "cuDriverGetVersion");
arch ??= $"sm_{major}{minor}";
Console.WriteLine($"device 0: {DeviceName(device)}, compute capability {major}.{minor}, CUDA driver {driverVersion / 1000}.{driverVersion % 1000 / 10}, {deviceCount} device(s)");

if (!NvrtcCompiler.IsAvailable)
{
    Console.WriteLine($"no NVRTC: {NvrtcCompiler.LibraryDescription}; set DEEPGEN_NVRTC_LIBRARY to libnvrtc.so's path.");
    return 3;
}

Console.WriteLine($"NVRTC {NvrtcCompiler.Version} from {NvrtcCompiler.LibraryDescription}, compiling for {arch}");
Driver.Check(Driver.DevicePrimaryCtxRetain(out IntPtr context, device), "cuDevicePrimaryCtxRetain");
Driver.Check(Driver.CtxSetCurrent(context), "cuCtxSetCurrent");

CudaModule module = CudaEmitter.EmitModule(KernelCases.All.Select(c => c.Kernel));
var clock = Stopwatch.StartNew();
byte[] image;
try
{
    image = arch.StartsWith("sm_", StringComparison.Ordinal)
        ? NvrtcCompiler.CompileCubin(module.Source, "deepgen_test_kernels.cu", arch)
        : Encoding.UTF8.GetBytes(NvrtcCompiler.Compile(module.Source, "deepgen_test_kernels.cu", arch) + "\0");
}
catch (NvrtcException e)
{
    Console.WriteLine(e.Message);
    return 3;
}

Console.WriteLine($"compiled {module.Functions.Count} functions of {KernelCases.All.Count} kernels ({module.Source.Length} characters) in {clock.ElapsedMilliseconds} ms");

IntPtr loaded;
unsafe
{
    fixed (byte* data = image)
    {
        Driver.Check(Driver.ModuleLoadData(out loaded, data), "cuModuleLoadData");
    }
}

var launcher = new GpuLauncher(loaded);
int passed = 0, failed = 0;
double worstFloat32 = 0, worstFloat64 = 0;
foreach (KernelCase testCase in KernelCases.All)
{
    foreach (CudaFunction function in module.Functions.Where(f => f.Kernel == testCase.Kernel.Name))
    {
        var results = new List<CheckResult>();
        foreach (int size in KernelCases.Sizes)
        {
            results.Add(KernelCheck.Run(testCase, function, size, transposed: false, launcher));
            if (function.Layout == CudaLayout.Strided)
            {
                results.Add(KernelCheck.Run(testCase, function, size, transposed: true, launcher));
            }
        }

        CheckResult? failure = results.FirstOrDefault(r => !r.Passed);
        double worst = results.Max(r => r.MaxError);
        bool f64 = testCase.Kernel.Outputs.Any(o => o.DType == DeepGen.Fusion.Ir.ScalarType.Float64);
        if (f64) worstFloat64 = Math.Max(worstFloat64, worst); else worstFloat32 = Math.Max(worstFloat32, worst);
        if (failure is null)
        {
            passed++;
            Console.WriteLine($"ok   {function.Name,-44} {results.Count} runs, max_err {worst.ToString("G3", CultureInfo.InvariantCulture)}");
        }
        else
        {
            failed++;
            Console.WriteLine($"FAIL {failure}");
        }
    }
}

Driver.Check(Driver.ModuleUnload(loaded), "cuModuleUnload");
Driver.DevicePrimaryCtxRelease(device);
Console.WriteLine(
    $"summary: {passed} passed, {failed} failed of {passed + failed} functions on {DeviceName(device)} ({arch}, NVRTC {NvrtcCompiler.Version}); " +
    $"max error {worstFloat32.ToString("G3", CultureInfo.InvariantCulture)} (float32/int/bool kernels), {worstFloat64.ToString("G3", CultureInfo.InvariantCulture)} (float64 kernels)");
return failed == 0 ? 0 : 1;

static unsafe string DeviceName(int device)
{
    byte* name = stackalloc byte[256];
    return Driver.DeviceGetName(name, 256, device) == Driver.Success ? new string((sbyte*)name) : "unknown device";
}
