#!/usr/bin/env bash
# The test command: installs what the suite needs (idempotent), then builds and runs every test.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh
export RTDENOISE_ORT_LIBRARY="$PWD/.native/onnxruntime/current/libonnxruntime.so.1"
dotnet test RealtimeDenoise.sln -c Release --logger "console;verbosity=normal" "$@"
