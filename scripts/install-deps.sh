#!/usr/bin/env bash
# Installs what the test suite needs, idempotently:
#   - Debian packages: PortAudio, PulseAudio (+ ALSA pulse plugin) for the live-audio tests,
#     sox, and python3-numpy/scipy for the reference scorer in ../shared/eval.
#   - The ONNX Runtime CPU native library, taken from the pinned npm package onnxruntime-node,
#     into .native/onnxruntime/ (git-ignored).
# Safe to run repeatedly: each step checks before it installs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

ORT_VERSION=${ORT_VERSION:-1.23.2}
APT_PACKAGES=(libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins alsa-utils sox python3-numpy python3-scipy)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

ort_dir="$root/.native/onnxruntime/$ORT_VERSION"
if [ ! -s "$ort_dir/libonnxruntime.so.1" ]; then
  echo "install-deps: fetching onnxruntime-node@$ORT_VERSION for libonnxruntime.so.1"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "onnxruntime-node@$ORT_VERSION" --silent >/dev/null)
  tar -xzf "$tmp"/onnxruntime-node-"$ORT_VERSION".tgz -C "$tmp" --wildcards 'package/bin/napi-v*/linux/x64/libonnxruntime.so.1'
  lib=$(find "$tmp/package/bin" -path '*linux/x64/libonnxruntime.so.1' | head -n 1)
  [ -n "$lib" ] || { echo "install-deps: libonnxruntime.so.1 not found in the npm package" >&2; exit 1; }
  mkdir -p "$ort_dir"
  cp "$lib" "$ort_dir/libonnxruntime.so.1.tmp" && mv "$ort_dir/libonnxruntime.so.1.tmp" "$ort_dir/libonnxruntime.so.1"
fi
ln -sfn "$ORT_VERSION" "$root/.native/onnxruntime/current"
echo "install-deps: ok (ONNX Runtime $ORT_VERSION at .native/onnxruntime/current/libonnxruntime.so.1)"
