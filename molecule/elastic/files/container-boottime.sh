#!/bin/sh
# Lab node image only (molecule/elastic/converge.yml): run a command with the container's own boot time.
#
# A container shares the host's kernel, so slurmd reports the host's uptime, and its boot time is hours before
# the power-up slurmctld asked for: slurmctld keeps a POWERING_UP node waiting ("Still waiting for boot of node")
# until ResumeTimeout. An EC2 instance really boots; a container gets the same effect from a time namespace whose
# CLOCK_BOOTTIME starts when the container's PID 1 did. Only a user namespace may set its offsets without
# CAP_SYS_TIME (which would let the container set the host's clock): a short-lived holder process in a new user
# and time namespace sets them, and this process (root, with CAP_SYS_ADMIN) joins that time namespace and
# execs the command under the same PID (systemd's MainPID, Type=notify).
set -eu
ticks=$(cut -d' ' -f22 /proc/1/stat)
started=$((ticks / $(getconf CLK_TCK)))
unshare --user --map-root-user --time --fork --boottime "-$started" sleep 30 &
holder=$!
for _ in $(seq 50); do
    child=$(tr -d ' ' <"/proc/$holder/task/$holder/children" 2>/dev/null || true)
    [ -n "$child" ] && break
    sleep 0.1
done
exec nsenter --time --target "$child" -- "$@"
