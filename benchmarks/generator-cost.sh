#!/usr/bin/env bash
# What the DeepGen generator adds to a build of examples/FashionMnist, in a compiler process that starts
# cold (the first build, or UseSharedCompilation=false).
#
#   bash benchmarks/generator-cost.sh [--rounds N]
#
# Takes the exact compiler command line of the example's build (from a detailed build log) and runs the
# compiler (csc) on it two ways, alternately, N rounds (default 8), each a fresh process:
#   with       the command line as the build runs it: the generator makes the example's model sources;
#   without    the same compile with DeepGen's analyzers removed and the generator's output files (written
#              by that build, -p:EmitCompilerGeneratedFiles=true) added as ordinary sources.
# The two compile the same program, so "with" minus "without" is the generator's cost, whatever it costs:
# loading and jitting it, the binding it asks of Roslyn, its own work. Prints each round and the medians.
# Paths with spaces are not supported (the command line is split on spaces).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
rounds=8
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "generator-cost.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
project=examples/FashionMnist

dotnet build "$project" -c Release >/dev/null
dotnet build "$project" -c Release -t:Rebuild -p:BuildProjectReferences=false -v:d \
    -p:EmitCompilerGeneratedFiles=true -p:CompilerGeneratedFilesOutputPath="$work/generated" > "$work/build.log"

# The Csc task logs its command line as one line: "<sdk>/Roslyn/bincore/csc /noconfig ... sources".
line=$(grep -m1 -E '/Roslyn/bincore/csc(\.exe)? ' "$work/build.log" | sed -E 's/^ +//')
if [ -z "$line" ]; then
    echo "generator-cost.sh: no compiler command line in the build log ($work/build.log)" >&2
    exit 1
fi
csc=${line%% *}
echo "$line" | tr ' ' '\n' | sed '1d' | grep -v -E '^/(noconfig|out:|refout:|generatedfilesout:)' | grep -v '^$' > "$work/args"

generated=$(find "$work/generated" -name '*.cs' | sort)
if [ -z "$generated" ]; then
    echo "generator-cost.sh: the build wrote no generated sources under $work/generated" >&2
    exit 1
fi
{ cat "$work/args"; echo "/out:$work/with.dll"; } > "$work/with.rsp"
{ grep -v -E '^/analyzer:.*DeepGen\.(Fusion|Generators)\.dll$' "$work/args"; echo "$generated"; echo "/out:$work/without.dll"; } > "$work/without.rsp"

echo "compiler: $csc"
echo "generated sources: $(echo "$generated" | wc -l) files"
cd "$project"
for i in $(seq "$rounds"); do
    for variant in with without; do
        start=$(date +%s%N)
        "$csc" "@$work/$variant.rsp" > "$work/$variant.out" 2>&1 || { cat "$work/$variant.out" >&2; exit 1; }
        end=$(date +%s%N)
        echo "$i $variant $(( (end - start) / 1000000 ))" | tee -a "$work/times"
    done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
with=$(awk '$2 == "with" { print $3 }' "$work/times" | median)
without=$(awk '$2 == "without" { print $3 }' "$work/times" | median)
added=$(awk '$2 == "with" { w[$1] = $3 } $2 == "without" { print w[$1] - $3 }' "$work/times" | median)
echo "median ms: with $with, without $without, added (median of the rounds' differences) $added"
