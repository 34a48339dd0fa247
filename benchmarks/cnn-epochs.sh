#!/usr/bin/env bash
# Times whole epochs of the Fashion-MNIST CNN side by side: the example's training loop (compiled model) and
# the peer's `cnn_epoch` command (libtorch, the same loop; its code is in benchmarks/README.md), run
# alternately, two epochs each per round. Prints every epoch's time and each side's median.
#
#   benchmarks/cnn-epochs.sh PEER_DIR [--rounds N]
#
# Needs the data set (examples/FashionMnist/setup-data.sh installs it).
set -euo pipefail

if [[ $# -lt 1 || ! -d "$1" ]]; then
    # the usage is the comment block under the first line
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
    exit 2
fi
peer_dir=$(cd "$1" && pwd)
shift
rounds=3
[[ "${1:-}" == "--rounds" ]] && rounds=$2

root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/examples/FashionMnist/setup-data.sh"
(cd "$peer_dir" && dotnet build -c Release -nologo -v q >&2)
dotnet build "$root/examples/FashionMnist" -c Release -nologo -v q >&2
ours="$root/examples/FashionMnist/bin/Release/net10.0/DeepGen.Examples.FashionMnist"
peer="$peer_dir/bin/Release/net10.0/linux-x64/PeerBench"
out=$(mktemp -d "${TMPDIR:-/tmp}/deepgen-epochs.XXXXXX")

for ((r = 1; r <= rounds; r++)); do
    "$ours" --model cnn --epochs 2 --out "$out/run" | tr '\r' '\n' | grep -oP 'epoch time \K[0-9.]+' | sed "s/^/deepgen /" | tee -a "$out/epochs"
    "$peer" cnn_epoch 2>/dev/null | grep -P '^cnn\.epoch' | awk '{print "libtorch " $2}' | tee -a "$out/epochs"
done

for side in deepgen libtorch; do
    grep "^$side " "$out/epochs" | awk '{print $2}' | sort -n | awk -v side="$side" '{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s median epoch %.1f s over %d epochs\n", side, m, NR}'
done
