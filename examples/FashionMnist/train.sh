#!/usr/bin/env bash
# Trains the Fashion-MNIST benchmark models on a fresh machine: installs the data set if it is missing,
# builds the example in Release and runs it. Arguments are passed on (see --help).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/setup-data.sh"
dotnet run -c Release --project "$here/FashionMnist.csproj" -- "$@"
