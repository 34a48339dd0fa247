#!/usr/bin/env bash
# Installs what tests/Cuda.Tests needs: NVRTC (Debian's libnvrtc11.2, NVRTC 11.8, from the contrib and non-free
# components) and g++. Idempotent and quiet; needs root (CI runs as root) only when something is missing.
set -euo pipefail

have_nvrtc() { ldconfig -p 2>/dev/null | grep -q 'libnvrtc\.so\.' || ls /usr/lib/x86_64-linux-gnu/libnvrtc.so.* >/dev/null 2>&1; }

if have_nvrtc && command -v g++ >/dev/null 2>&1; then
    echo "NVRTC and g++ already installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
sources=/etc/apt/sources.list.d/debian.sources
if [ -f "$sources" ] && grep -q '^Components: main$' "$sources"; then
    sed -i 's/^Components: main$/Components: main contrib non-free/' "$sources"
elif [ -f /etc/apt/sources.list ] && grep -qE '^deb .* main$' /etc/apt/sources.list; then
    sed -i -E 's/^(deb .* main)$/\1 contrib non-free/' /etc/apt/sources.list
fi
apt-get update -qq
apt-get install -y -qq libnvrtc11.2 g++ >/dev/null
have_nvrtc || { echo "libnvrtc11.2 did not install a libnvrtc.so" >&2; exit 1; }
echo "installed NVRTC ($(ls /usr/lib/x86_64-linux-gnu/libnvrtc.so.* | head -1)) and $(g++ --version | head -1)"
