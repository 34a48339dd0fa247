using System.Reflection;
using System.Runtime.InteropServices;

namespace DeepGen.Cuda;

/// <summary>
/// Finds the CUDA shared libraries for the <c>[LibraryImport]</c> bindings of this assembly. The bindings name
/// the logical libraries <c>nvrtc</c> and <c>cuda</c>; this resolver (the assembly's only one: a second
/// <see cref="NativeLibrary.SetDllImportResolver"/> would throw) maps them to the first file that loads.
/// </summary>
internal static class CudaLibraries
{
    /// <summary>The logical name the NVRTC bindings use.</summary>
    public const string Nvrtc = "nvrtc";

    /// <summary>The logical name the driver API bindings use.</summary>
    public const string Driver = "cuda";

    /// <summary>An environment variable that names the NVRTC library file to load first.</summary>
    public const string NvrtcVariable = "DEEPGEN_NVRTC_LIBRARY";

    /// <summary>NVRTC's sonames, newest first: CUDA 13, 12, and 11.2+ (Debian's libnvrtc11.2 is NVRTC 11.8).</summary>
    private static readonly string[] NvrtcNames = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"];

    private static readonly string[] DriverNames = ["libcuda.so.1", "libcuda.so"];

    private static readonly object Gate = new();
    private static readonly Dictionary<string, (IntPtr Handle, string Detail)> Loaded = new(StringComparer.Ordinal);
    private static bool _registered;

    /// <summary>Installs the resolver once; the bindings' static constructors call it before their first call.</summary>
    public static void EnsureResolver()
    {
        lock (Gate)
        {
            if (!_registered)
            {
                NativeLibrary.SetDllImportResolver(typeof(CudaLibraries).Assembly, Resolve);
                _registered = true;
            }
        }
    }

    /// <summary>Loads a logical library (once); returns false with the list of files tried when none loads.</summary>
    public static bool TryLoad(string library, out IntPtr handle, out string detail)
    {
        lock (Gate)
        {
            if (!Loaded.TryGetValue(library, out (IntPtr Handle, string Detail) entry))
            {
                entry = Probe(Candidates(library));
                Loaded[library] = entry;
            }

            handle = entry.Handle;
            detail = entry.Detail;
            return handle != IntPtr.Zero;
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName is Nvrtc or Driver && TryLoad(libraryName, out IntPtr handle, out _) ? handle : IntPtr.Zero;

    private static List<string> Candidates(string library)
    {
        var candidates = new List<string>();
        if (library == Nvrtc)
        {
            if (Environment.GetEnvironmentVariable(NvrtcVariable) is { Length: > 0 } explicitPath)
            {
                candidates.Add(explicitPath);
            }

            candidates.AddRange(NvrtcNames);
            // Toolkit folders that are not always in the loader's search path.
            foreach (string? root in new[] { Environment.GetEnvironmentVariable("CUDA_HOME"), Environment.GetEnvironmentVariable("CUDA_PATH"), "/usr/local/cuda" })
            {
                if (!string.IsNullOrEmpty(root))
                {
                    candidates.AddRange(NvrtcNames.Select(n => Path.Combine(root, "lib64", n)));
                }
            }
        }
        else if (library == Driver)
        {
            candidates.AddRange(DriverNames);
        }

        return candidates;
    }

    private static (IntPtr, string) Probe(List<string> candidates)
    {
        foreach (string candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out IntPtr handle))
            {
                return (handle, candidate);
            }
        }

        return (IntPtr.Zero, "tried " + string.Join(", ", candidates));
    }
}
