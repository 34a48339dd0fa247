#!/usr/bin/env bash
# Runs the GPU check on a machine with an NVIDIA GPU: every test kernel of tests/Cuda.Tests/Shared/KernelCases.cs
# compiled with the machine's NVRTC for its GPU (sm_XX from the device), launched through the CUDA driver API,
# compared with the eager runtime's math; one line per function and a summary.
#
# Build it where .NET is (this machine needs no .NET), from the repository root:
#   dotnet publish tests/Cuda.Tests/gpu/GpuCheck.csproj -c Release -r linux-x64 --self-contained -o tests/Cuda.Tests/gpu/bin/publish
# then, on the GPU machine, from the repository root:
#   bash tests/Cuda.Tests/gpu/run-on-gpu.sh [PUBLISHED_FOLDER] [--arch sm_XX]
# PUBLISHED_FOLDER defaults to tests/Cuda.Tests/gpu/bin/publish. Exit status: 0 all passed, 1 a kernel failed,
# 2 no CUDA device, 3 no NVRTC or a compile error.
set -euo pipefail

folder=tests/Cuda.Tests/gpu/bin/publish
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
    folder=$1
    shift
fi

binary=$folder/DeepGen.Cuda.GpuCheck
if [ ! -x "$binary" ]; then
    echo "no published GPU check at $binary: publish it first (see the top of $0)" >&2
    exit 2
fi

# NVRTC: the loader's search path first; else a toolkit folder or a pip wheel's copy (PyTorch ships one).
if [ -z "${DEEPGEN_NVRTC_LIBRARY:-}" ] && ! ldconfig -p 2>/dev/null | grep -qE 'libnvrtc\.so\.(13|12|11\.2)'; then
    roots="/usr/local/cuda/lib64 /usr/local /opt /usr/lib"
    if command -v python3 >/dev/null 2>&1; then
        roots="$roots $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null || true)"
    fi
    # shellcheck disable=SC2086
    found=$(find $roots -name 'libnvrtc.so*' ! -name '*builtins*' 2>/dev/null | sort -V | tail -1 || true)
    if [ -n "$found" ]; then
        export DEEPGEN_NVRTC_LIBRARY=$found
        export LD_LIBRARY_PATH="$(dirname "$found")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        echo "using NVRTC at $found"
    fi
fi

exec timeout 480 "$binary" "$@"
