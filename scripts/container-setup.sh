#!/usr/bin/env bash
# Starts jobscheduler from compose.yaml: PostgreSQL, the migration, two scheduler nodes and the
# API node. The first time, it writes config.env from config.env.example with a fresh database
# password and API key. It builds the image, starts the services in order, waits until the API
# node is healthy and prints how to reach it.
#
#   scripts/container-setup.sh              # docker compose when there is one, else podman
#   CONTAINER_ENGINE=podman scripts/container-setup.sh
#   scripts/container-setup.sh --no-build   # use the image already tagged JOBSCHEDULER_IMAGE
#
# Honoured as compose does: COMPOSE_FILE (default compose.yaml at the top of the project;
# config.env is the file beside it), COMPOSE_PROJECT_NAME (default jobscheduler),
# JOBSCHEDULER_IMAGE (default jobscheduler:latest) and JOBSCHEDULER_PORT (default 8080).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
compose_file=${COMPOSE_FILE:-$root/compose.yaml}
project=${COMPOSE_PROJECT_NAME:-jobscheduler}
image=${JOBSCHEDULER_IMAGE:-jobscheduler:latest}
port=${JOBSCHEDULER_PORT:-8080}
build=true
for arg in "$@"; do
  case $arg in
    --no-build) build=false ;;
    -h | --help) sed -n '2,13p' "$0" | cut -c3-; exit 0 ;;
    *) echo "Unknown option $arg; see $0 --help" >&2; exit 2 ;;
  esac
done

config=$(dirname "$compose_file")/config.env
if [ ! -e "$config" ]; then
  secret() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }
  (umask 077 && sed -e "s/change-me-database-password/$(secret)/g" -e "s/change-me-api-key/$(secret)/g" \
    "$root/config.env.example" >"$config")
  echo "Wrote $config with a new database password and API key."
elif grep -q '^[^#]*=.*change-me' "$config"; then
  echo "Warning: $config still holds change-me values; replace them with secrets of your own." >&2
fi

engine=${CONTAINER_ENGINE:-}
if [ -z "$engine" ]; then
  if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then
    engine=docker
  elif command -v podman >/dev/null; then
    engine=podman
  else
    echo "Neither docker compose nor podman was found." >&2
    exit 1
  fi
fi

if [ "$engine" = docker ]; then
  build_flag=--build
  $build || build_flag=--no-build
  # --wait: until PostgreSQL and the nodes are healthy, after the migration has run.
  docker compose -f "$compose_file" -p "$project" up --detach "$build_flag" --wait --wait-timeout 300
else
  command -v podman-compose >/dev/null || { echo "podman-compose is needed: apt-get install podman-compose" >&2; exit 1; }
  compose() { podman-compose -f "$compose_file" -p "$project" "$@"; }
  container() {
    podman ps --all --quiet --filter "label=com.docker.compose.project=$project" \
      --filter "label=com.docker.compose.service=$1" | head -n 1
  }
  wait_healthy() {
    for _ in $(seq 1 150); do
      podman healthcheck run "$1" >/dev/null 2>&1 && return 0
      sleep 2
    done
    podman logs --tail 30 "$1" >&2 || true
    echo "$2 did not become healthy within 300 s." >&2
    exit 1
  }
  # The docker format keeps the image's HEALTHCHECK, which the OCI format drops.
  if $build; then podman build --format docker -t "$image" "$root"; fi
  # podman-compose starts the services in dependency order but does not wait for the
  # conditions of depends_on: wait for them here, as docker compose would.
  compose up --detach --no-build postgres
  wait_healthy "$(container postgres)" PostgreSQL
  compose up --detach --no-build migrate
  migrate=$(container migrate)
  if [ "$(podman wait "$migrate")" != 0 ]; then
    podman logs "$migrate" >&2
    echo "The migration failed." >&2
    exit 1
  fi
  compose up --detach --no-build
  wait_healthy "$(container api)" "The API node"
fi

api_key=$(sed -n 's/^JOBSCHEDULER_API_KEYS=\([^,]*\).*/\1/p' "$config")
cat <<EOF
jobscheduler is running: two scheduler nodes and an API node on PostgreSQL.
  curl http://127.0.0.1:$port/health
  curl -H 'Authorization: Bearer $api_key' http://127.0.0.1:$port/api/v1/nodes
The dashboard is at http://127.0.0.1:$port/ (it asks for the API key).
EOF
