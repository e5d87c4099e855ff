#!/usr/bin/env bash
# Make sure a Docker engine is installed and running (nothing starts it on these machines).
set -euo pipefail
if ! command -v dockerd >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi
docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/dockerd.log" >&2; tail -20 /var/log/dockerd.log >&2; exit 1; }
# Every systemd container takes inotify instances from the host's per-user budget (128 by default):
# with a dozen containers, new ones fail to boot ("Failed to create control group inotify object").
if (( $(sysctl -n fs.inotify.max_user_instances) < 1024 )); then sysctl -qw fs.inotify.max_user_instances=1024; fi
echo "docker engine $(docker version --format '{{.Server.Version}}') is running"
