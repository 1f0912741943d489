#!/usr/bin/env bash
# The container's build and run steps, in order, in one place. The Dockerfile runs each step in
# its stage; `.ci/run` runs them all in a temporary folder (`all`), because no image registry is
# reachable from CI machines, so the steps are proven even where no image can be built.
#
#   container-steps.sh deps           build stage: every dependency (tsc is a dev dependency)
#   container-steps.sh build          build stage: compile src/ to dist/
#   container-steps.sh runtime-deps   runtime stage: runtime dependencies only, on this Node
#   container-steps.sh healthcheck    HEALTHCHECK: exit 0 when GET /readyz answers 200
#   container-steps.sh all [DIR]      the stages above as folders under DIR (default: a new
#                                     temporary one), then the image's checks against the result
set -euo pipefail

# What the image holds besides node_modules and dist/ (schema/ is read at start by src/schema.ts).
RUNTIME_FILES=(package.json package-lock.json schema scripts/container-steps.sh)
# What the build stage needs from the repository.
BUILD_FILES=(package.json package-lock.json tsconfig.json tsconfig.build.json src schema scripts/container-steps.sh)

npm_quiet=(--no-audit --no-fund --loglevel=error)

# Every process started in the background, stopped however the script ends: under `set -e` a
# failing step exits at once, and a gateway left behind would hold its port and CI's job open.
background=()
stop_background() {
  local pid
  for pid in ${background[@]+"${background[@]}"}; do kill "$pid" 2>/dev/null || true; done
  background=()
}
trap stop_background EXIT
# Killed (CI cancelled, Ctrl-C): exit through the EXIT trap too.
trap 'exit 143' TERM
trap 'exit 130' INT

step_deps() { npm ci "${npm_quiet[@]}"; }

step_build() { npm run -s build; }

# --engine-strict: the runtime tree must install on the image's Node (the oldest engines allows).
# --ignore-scripts: nothing in the runtime tree needs an install script.
step_runtime_deps() { npm ci --omit=dev --engine-strict --ignore-scripts "${npm_quiet[@]}"; }

# HEALTHCHECK: the image has node but neither curl nor wget.
step_healthcheck() {
  node -e '
    const port = process.env.PORT || "4000";
    fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) })
      .then((res) => process.exit(res.status === 200 ? 0 : 1), () => process.exit(1));
  '
}

# Waits for "GraphQL gateway ready at URL" in a log file; prints the URL.
wait_ready() {
  local log=$1 pid=$2
  for _ in $(seq 1 300); do
    local url
    url=$(grep -o 'GraphQL gateway ready at http://[^ ]*' "$log" | head -n 1 | sed 's/.* //') || true
    if [ -n "$url" ]; then echo "$url"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "container-steps: the gateway exited before it was ready:" >&2; cat "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "container-steps: the gateway was not ready within 30 s:" >&2
  cat "$log" >&2
  return 1
}

step_all() {
  local root=${1:-}
  if [ -z "$root" ]; then root=$(mktemp -d); fi
  local repo
  repo=$(cd "$(dirname "$0")/.." && pwd)
  local build="$root/build" image="$root/image"
  rm -rf "$build" "$image"
  mkdir -p "$build" "$image"

  echo "container-steps: build stage in $build"
  (cd "$repo" && tar cf - "${BUILD_FILES[@]}") | (cd "$build" && tar xf -)
  (cd "$build" && step_deps && step_build)

  echo "container-steps: runtime stage in $image"
  (cd "$repo" && tar cf - "${RUNTIME_FILES[@]}") | (cd "$image" && tar xf -)
  (cd "$image" && step_runtime_deps)
  cp -R "$build/dist" "$image/dist"
  # Nothing from the build stage but dist/: no TypeScript, no dev dependencies.
  if [ -e "$image/node_modules/typescript" ] || [ -e "$image/node_modules/jest" ]; then
    echo "container-steps: dev dependencies leaked into the runtime stage" >&2
    return 1
  fi

  # As the image runs: NODE_ENV=production, `node dist/src/main.js` (CMD), non-root when possible.
  cd "$image"
  local as=()
  if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
    chmod -R a+rX "$root"
    as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  fi
  local log="$root/gateway.log"

  echo "container-steps: production without upstreams must refuse to start"
  local code=0
  # Bounded: should it start after all, it must not hold CI up.
  env -i PATH="$PATH" NODE_ENV=production HOST=127.0.0.1 PORT=0 timeout 60 "${as[@]}" node dist/src/main.js >"$log" 2>&1 || code=$?
  if [ "$code" -eq 0 ] || ! grep -q 'IQMETRIX_URL and INSPECTORIO_URL must be set' "$log"; then
    echo "container-steps: expected a refusal naming IQMETRIX_URL and INSPECTORIO_URL, got exit $code:" >&2
    cat "$log" >&2
    return 1
  fi

  echo "container-steps: SIMULATORS=true starts, /readyz answers, SIGTERM exits 0"
  env -i PATH="$PATH" NODE_ENV=production SIMULATORS=true HOST=127.0.0.1 PORT=0 SHUTDOWN_DELAY_MS=200 "${as[@]}" node dist/src/main.js >"$log" 2>&1 &
  local pid=$!
  background+=("$pid")
  local url
  url=$(wait_ready "$log" "$pid") || return 1
  local port
  port=$(echo "$url" | sed -E 's#^http://[^:]+:([0-9]+)/.*#\1#')
  PORT=$port step_healthcheck || { echo "container-steps: the healthcheck failed against $url" >&2; return 1; }
  local answer
  answer=$(node -e '
    fetch(process.argv[1], { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) })
      .then((r) => r.text()).then((t) => console.log(t), (e) => { console.error(String(e)); process.exit(1); });
  ' "$url")
  [ "$answer" = '{"data":{"__typename":"Query"}}' ] || { echo "container-steps: unexpected answer from $url: $answer" >&2; return 1; }
  kill -TERM "$pid"
  code=0
  wait "$pid" || code=$?
  # Reaped: its pid may be reused, so the exit trap must not signal it.
  background=()
  if [ "$code" -ne 0 ]; then
    echo "container-steps: the gateway exited $code on SIGTERM:" >&2
    cat "$log" >&2
    return 1
  fi
  echo "container-steps: all steps passed ($root)"
}

case "${1:-}" in
  deps) step_deps ;;
  build) step_build ;;
  runtime-deps) step_runtime_deps ;;
  healthcheck) step_healthcheck ;;
  all) step_all "${2:-}" ;;
  *)
    sed -n '2,11p' "$0" >&2
    exit 64
    ;;
esac
