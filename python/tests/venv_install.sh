#!/usr/bin/env bash
# The README's Python install, as a user runs it: a fresh venv made from
# Debian's interpreter (with its site packages), the package installed into
# it offline with one pip command, then the README's first snippet.
#
#   venv_install.sh PYTHON REPO_ROOT WORKDIR
set -euo pipefail
python=$1 root=$2 work=$3
rm -rf "$work" "$root/python/build" "$root/python/concurrent_collections.egg-info"
"$python" -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install --no-build-isolation --no-index "$root/python" > "$work/pip.log" 2>&1 ||
  { cat "$work/pip.log"; exit 1; }
rm -rf "$root/python/build" "$root/python/concurrent_collections.egg-info"
cd "$work"
"$work/venv/bin/python" - <<'PY'
import concurrent_collections, os
assert "venv" in concurrent_collections.__file__, concurrent_collections.__file__
from concurrent_collections import config, MemoryProfiler

config.enable_alloc_statistics = True
stats = config.alloc_stats()
print(f"Allocated: {stats.alloc_count} blocks, {stats.alloc_bytes} bytes")
print(f"Freed: {stats.free_count} blocks, {stats.free_bytes} bytes")
print(f"Current: {stats.current_allocated} bytes")
config.reset_alloc_stats()
with MemoryProfiler() as prof:
    pass
print("report:", prof.report().alloc_count, "allocations")
PY
echo "venv install ok"
