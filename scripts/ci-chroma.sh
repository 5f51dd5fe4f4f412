#!/usr/bin/env bash
# ci-chroma.sh — start (or reuse) the real Chroma server that the ChromaStore tests run against, and print
# the environment for them:
#
#   eval "$(scripts/ci-chroma.sh)"      # prints: export CHROMA_URL=http://127.0.0.1:18123 (and PID/HOST/PORT)
#
# It runs ../shared/tools/chroma-server.sh start (needs root): the first run builds a Debian trixie root for
# the server and takes minutes (about 9 min on a busy 2-core machine; its header says 25–70 s when idle);
# later runs reuse it and the already running server, in about a second. Progress goes to stderr.
# On failure it prints nothing to stdout and exits 1, so the ChromaStore suites skip (saying CHROMA_URL is
# not set) instead of the whole run failing.
#   CHROMA_SERVER_SH   path of chroma-server.sh (default: ../shared/tools/chroma-server.sh beside the repo)
#   CHROMA_PORT etc.   passed through to chroma-server.sh
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tool="${CHROMA_SERVER_SH:-$repo/../shared/tools/chroma-server.sh}"

if [[ ! -x $tool ]]; then
  echo "ci-chroma: $tool not found or not executable; ChromaStore tests will be skipped" >&2
  exit 1
fi

if ! out="$("$tool" start)"; then
  echo "ci-chroma: chroma-server.sh start failed; ChromaStore tests will be skipped" >&2
  exit 1
fi

url=""
while IFS='=' read -r key value; do
  case "$key" in
    CHROMA_PID | CHROMA_HOST | CHROMA_PORT) printf 'export %s=%q\n' "$key" "$value" ;;
    CHROMA_URL) url="$value" ;;
  esac
done <<<"$out"

if [[ -z $url ]]; then
  echo "ci-chroma: chroma-server.sh printed no CHROMA_URL; ChromaStore tests will be skipped" >&2
  exit 1
fi
printf 'export CHROMA_URL=%q\n' "$url"
