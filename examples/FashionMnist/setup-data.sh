#!/usr/bin/env bash
# Installs Fashion-MNIST (Debian's dataset-fashion-mnist: the four IDX files in
# /usr/share/datasets/fashion-mnist) unless it is already there. Needs root or sudo for apt-get.
set -euo pipefail
folder=/usr/share/datasets/fashion-mnist
if [ -f "$folder/train-images-idx3-ubyte.gz" ] && [ -f "$folder/t10k-labels-idx1-ubyte.gz" ]; then
    exit 0
fi
echo "Installing Fashion-MNIST (apt-get install dataset-fashion-mnist)..."
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist
