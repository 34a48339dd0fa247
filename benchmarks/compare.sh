#!/usr/bin/env bash
# Runs DeepGen's `compare` command and the peer benchmark (libtorch through TorchSharp) alternately on the
# same workloads, then prints one row per figure: the median over rounds for each side and their ratio.
#
#   benchmarks/compare.sh PEER_DIR [--rounds N] [--jemalloc] [--reps N] [--warm-ms X] [GROUP ...]
#
# PEER_DIR: a copy of the peer-bench project (it is not part of this repository; it is built there, so it
# must be writable). GROUPs: gemm eltwise layernorm softmax mlp transformer (default: all of them), and cnn,
# which needs a peer with a cnn command (benchmarks/README.md gives its code; the peer as shipped has none), and
# limits, the machine's FMA peak and memory bandwidth as the peer measures them (only the peer runs it); with
# limits and eltwise, the compiled gelu chains' bandwidth is also printed as a share of the 2-thread triad.
# --jemalloc runs the peer with jemalloc preloaded (apt-get install libjemalloc2), as its README describes.
# --warm-ms (default 2000, both sides): how long each figure runs before it is timed. .NET's tiered JIT
# reaches its final code for a training step after 1-2 s (the peer's default of 300 ms timed the MLP step
# about 35 % slower than after 2 s); libtorch has no JIT, yet its MLP step was also faster after 2 s
# (0.94-0.98 -> 0.86-0.87 ms in two trials), so both sides get the same warm-up.
# The ratio column is always "DeepGen speed / libtorch speed": > 1 means DeepGen is faster (for times it
# is libtorch's time over DeepGen's; for rates DeepGen's rate over libtorch's). Each run's peak resident
# memory (from /usr/bin/time) is reported as process.peak_rss.GROUP, lower being better. For eltwise, mlp, cnn
# and transformer, DeepGen's compiled variant runs too, as group GROUP.compiled in a process of its own (so its
# peak RSS is its own); its figures are set against the peer's closest ones (transformer.compiled.* against
# transformer.sdpa.*, mlp.compiled.* against mlp.*). Figures only DeepGen prints are listed at the end.
set -euo pipefail

if [[ $# -lt 1 || ! -d "$1" ]]; then
    # the usage is the comment block under the first line
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
    exit 2
fi
peer_dir=$(cd "$1" && pwd)
shift
rounds=3
reps=9
warm_ms=2000
jemalloc=0
groups=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --warm-ms) warm_ms=$2; shift 2 ;;
        --jemalloc) jemalloc=1; shift ;;
        *) groups+=("$1"); shift ;;
    esac
done
[[ ${#groups[@]} -eq 0 ]] && groups=(gemm eltwise layernorm softmax mlp transformer)

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/deepgen-compare.XXXXXX")
echo "# results in $out"

echo "# building the peer in $peer_dir and DeepGen.Benchmarks" >&2
(cd "$peer_dir" && dotnet build -c Release -nologo -v q >&2)
dotnet build "$root/benchmarks/DeepGen.Benchmarks" -c Release -nologo -v q >&2
peer_bin="$peer_dir/bin/Release/net10.0/linux-x64/PeerBench"
ours_bin="$root/benchmarks/DeepGen.Benchmarks/bin/Release/net10.0/DeepGen.Benchmarks"

peer_env=()
if [[ $jemalloc == 1 ]]; then
    lib=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
    [[ -f $lib ]] || { echo "jemalloc not found at $lib (apt-get install libjemalloc2)" >&2; exit 2; }
    peer_env=(LD_PRELOAD=$lib MALLOC_CONF=retain:true)
fi

# run SIDE ROUND GROUP COMMAND...: figures to $out/SIDE.ROUND.GROUP.tsv plus the process's peak RSS
run() {
    local side=$1 round=$2 group=$3; shift 3
    local file="$out/$side.$round.$group.tsv"
    /usr/bin/time -f "process.peak_rss.$group	%M	KiB" -o "$file.rss" "$@" > "$file"
    cat "$file.rss" >> "$file"
}

echo "# loadavg at start: $(cat /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
    for g in "${groups[@]}"; do
        echo "# round $r: $g" >&2
        run peer "$r" "$g" env "${peer_env[@]}" "$peer_bin" "$g" --threads 2 --reps "$reps" --warm-ms "$warm_ms"
        [[ $g == limits ]] && continue
        run ours "$r" "$g" env DOTNET_PROCESSOR_COUNT=2 "$ours_bin" compare "$g" --reps "$reps" --warm-ms "$warm_ms"
        if [[ $g == eltwise || $g == mlp || $g == cnn || $g == transformer ]]; then
            run ours "$r" "$g.compiled" env DOTNET_PROCESSOR_COUNT=2 "$ours_bin" compare "$g.compiled" --reps "$reps" --warm-ms "$warm_ms"
        fi
    done
done
echo "# loadavg at end: $(cat /proc/loadavg)"
for f in "$out"/peer.*.tsv "$out"/ours.*.tsv; do
    grep -h '^# contention' "$f" | sed "s|^# |# $(basename "$f" .tsv) |"
done

python3 - "$out" <<'PY'
import glob, os, statistics, sys
out = sys.argv[1]
values, units, order = {"peer": {}, "ours": {}}, {}, []
def by_round(path):
    side, rnd, group = os.path.basename(path).split(".", 2)
    return side, int(rnd), group
for path in sorted(glob.glob(os.path.join(out, "*.tsv")), key=by_round):
    side = os.path.basename(path).split(".")[0]
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if line.startswith("#") or len(parts) != 3 or parts[0].endswith(".best"):
            continue
        name, value, unit = parts[0], float(parts[1]), parts[2]
        values[side].setdefault(name, []).append(value)
        units[name] = unit
        if name not in order:
            order.append(name)
lower_is_better = {"ms", "us", "KiB"}
def counterpart(name):
    """The peer's figure a DeepGen-only compiled figure is compared with (None: none)."""
    if name.startswith("process.peak_rss.") and name.endswith(".compiled"):
        return name[: -len(".compiled")]
    # the peer runs every figure in a dispose scope per call, so DeepGen's scoped figures match them too
    plain = name.replace(".scoped.", ".")
    if ".compiled." in plain:
        for peer in (plain.replace(".compiled.", ".sdpa."), plain.replace(".compiled.", ".")):
            if peer in values["peer"]:
                return peer
    if plain != name and plain in values["peer"]:
        return plain
    return None

print(f"{'figure':64} {'unit':9} {'libtorch':>10} {'DeepGen':>10} {'speed ratio':>11}")
for name in order:
    if name.endswith(".time") or name not in values["ours"]:
        continue
    peer = name if name in values["peer"] else counterpart(name)
    if peer is None:
        continue
    p, o = statistics.median(values["peer"][peer]), statistics.median(values["ours"][name])
    ratio = (p / o) if units[name] in lower_is_better else (o / p)
    label = name if peer == name else f"{name} (vs {peer})"
    print(f"{label:64} {units[name]:9} {p:10.4g} {o:10.4g} {ratio:10.2f}x")
ours_only = [n for n in order if n in values["ours"] and n not in values["peer"] and counterpart(n) is None and not n.endswith(".time")]
if ours_only:
    print("# DeepGen only:")
    for name in ours_only:
        print(f"{name:64} {units[name]:9} {'':>10} {statistics.median(values['ours'][name]):10.4g}")
peer_only = [n for n in order if n in values["peer"] and n not in values["ours"] and not n.endswith(".time")]
if peer_only:
    print("# only libtorch ran: " + ", ".join(peer_only))
triad = values["peer"].get("limits.triad.t2")
if triad:
    print(f"# limits.triad.t2 median {statistics.median(triad):.4g} GB/s ({', '.join(f'{t:.4g}' for t in triad)})")
    for name in ("eltwise.compiled.scalar.bw", "eltwise.compiled.vector.bw", "eltwise.compiled.scoped.scalar.bw", "eltwise.compiled.scoped.vector.bw"):
        if name in values["ours"]:
            ours = values["ours"][name]
            # each round's figure against the same round's triad too: the host's bandwidth moves between rounds
            shares = [100 * o / t for o, t in zip(ours, triad)]
            print(f"# {name} median {statistics.median(ours):.4g} GB/s = {100 * statistics.median(ours) / statistics.median(triad):.0f} % "
                  f"of the triad's median; by round {', '.join(f'{s:.0f}' for s in shares)} %")
PY
