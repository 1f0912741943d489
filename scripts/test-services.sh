#!/usr/bin/env bash
# Provides what the CI-required tests need: Redis, Chromium and HAProxy from Debian (never a
# browser download), and a Redis answering at 127.0.0.1:6379. `.ci/run` calls it; `npm test` does
# not (it skips what is missing, see test/services/setup.js). Installing needs root; what is
# already there is left alone, so it is quick when nothing is missing.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

missing=()
have redis-server || missing+=(redis-server)
have chromium || have chromium-browser || missing+=(chromium)
have haproxy || missing+=(haproxy)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-services: missing ${missing[*]}, and installing them needs root: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "test-services: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A Redis for the whole CI job (the suite runs up to three times, once per Node). One that
# answers already is used as it is. One started here writes its pid to $TEST_SERVICES_REDIS_PIDFILE
# when that is set, so that the caller (`.ci/run`) stops it at the end, and only it.
if ! (command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1); then
  pidfile=()
  if [ -n "${TEST_SERVICES_REDIS_PIDFILE:-}" ]; then pidfile=(--pidfile "$TEST_SERVICES_REDIS_PIDFILE"); fi
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no ${pidfile[@]+"${pidfile[@]}"} >/dev/null
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "test-services: redis-server did not start on 127.0.0.1:6379" >&2; exit 1; }
fi
