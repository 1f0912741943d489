#!/usr/bin/env bash
# Runs before `npm test` (the `pretest` script): makes sure what the suite talks to is there.
# Quick when it is; on a fresh machine it starts Redis and installs Debian's Chromium (never a
# browser download). Needs root for apt-get, as on this project's machines.
set -euo pipefail

if ! (command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1); then
  if ! command -v redis-server >/dev/null; then
    apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

# The explorer test drives headless Chromium.
if ! command -v chromium >/dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
