#!/usr/bin/env bash
# A single-node Slurm on this machine (localhost), for trying `fsbayes plan`
# and its sbatch scripts without a cluster: installs Debian's slurm-wlm and
# munge (apt), writes /etc/slurm/slurm.conf for one node with all of this
# machine's CPUs and memory in one partition, and starts munged, slurmctld
# and slurmd (no systemd needed). Run as root; safe to run again (it
# restarts the daemons with a fresh config). Accounting (sacct) needs
# slurmdbd and is not set up: use squeue and `scontrol show job` here.
#
#   sudo scripts/slurm/setup-local-slurm.sh            # install, configure, start
#   sudo scripts/slurm/setup-local-slurm.sh --stop     # stop the daemons
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "setup-local-slurm: run as root (sudo $0)" >&2
  exit 1
fi

stop_daemons() {
  local d pid
  for d in slurmd slurmctld; do
    # read once: a daemon removes its pid file as it exits
    pid=$(cat "/run/$d.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "/run/$d.pid"
  done
}

if [ "${1:-}" = "--stop" ]; then
  stop_daemons
  [ -f /run/munge/munged.pid ] && kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  echo "setup-local-slurm: stopped slurmd, slurmctld and munged"
  exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends slurm-wlm munge
fi

CPUS=$(nproc)
# slurmd drains a node that reports less memory than RealMemory: leave 5% for the OS and rounding.
MEM_MB=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.95 }' /proc/meminfo)
CONF_DIR=/etc/slurm
mkdir -p "$CONF_DIR" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/log/munge /var/lib/munge /etc/munge

# munge: a key (made once), its folders owned by the munge user, then the daemon.
if [ ! -s /etc/munge/munge.key ]; then
  if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key --force
  else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
fi
MUNGE_USER=munge
id "$MUNGE_USER" >/dev/null 2>&1 || MUNGE_USER=root
chown -R "$MUNGE_USER:" /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [ "$MUNGE_USER" = root ]; then munged --force; else runuser -u "$MUNGE_USER" -- munged; fi
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n | unmunge >/dev/null

cat > "$CONF_DIR/slurm.conf" <<CONF
# Written by fsbayes scripts/slurm/setup-local-slurm.sh: one node (this machine), one partition.
ClusterName=local
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Finished jobs stay visible to scontrol/squeue for 10 minutes.
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
# Slurm ≥ 21 wants a cgroup.conf only for cgroup plugins; none are used here.

stop_daemons
slurmctld -i
slurmd -N localhost
for _ in $(seq 100); do
  if sinfo -h -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then break; fi
  sleep 0.2
done
scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true
sinfo
echo "setup-local-slurm: Slurm is up on localhost ($CPUS CPUs, ${MEM_MB} MB) in partition 'local'"
