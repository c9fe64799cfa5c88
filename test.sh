#!/usr/bin/env bash
# The test command: installs what the suite needs (idempotent), builds once, then runs each test project.
# Projects run one after another (tests inside a project still run in parallel) so that the live-audio
# end-to-end test in Host.Tests does not compete for the 2 cores with the other assemblies.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh
export RTDENOISE_ORT_LIBRARY="$PWD/.native/onnxruntime/current/libonnxruntime.so.1"
dotnet build RealtimeDenoise.sln -c Release -nologo -clp:ErrorsOnly
rc=0
for project in tests/Engine.Tests tests/Training.Tests tests/Host.Tests; do
  echo "== $project"
  dotnet test "$project" -c Release --no-build --logger "console;verbosity=normal" "$@" || rc=1
done
exit $rc
