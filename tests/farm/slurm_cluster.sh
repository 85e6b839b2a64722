#!/usr/bin/env bash
# A throw-away one-node Slurm cluster for the farm tests (docs/farm.md, "Testing"): munged,
# slurmctld and slurmd started directly as background daemons, with their key, sockets, config,
# state, spool, logs and pid files in one folder, on non-default ports; no systemd, no cgroups.
#   slurm_cluster.sh start DIR   prints SLURM_CONF=DIR/slurm.conf once the node is idle
#   slurm_cluster.sh stop DIR    cancels every job, then stops the daemons by their pids
set -euo pipefail
cmd=$1
dir=$(realpath -m "$2")
export PATH=/usr/sbin:/usr/bin:$PATH
node=$(hostname -s)
user=$(id -un)

stop_pid() {  # stop_pid PIDFILE: SIGTERM, then wait (each daemon takes ~2 s), then SIGKILL
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

case $cmd in
start)
  mkdir -p "$dir"/{munge,run,state,spool,log}
  # munge insists: its socket's folder (and every folder above) searchable by all; its key, seed
  # and log folders private.
  chmod 755 "$dir" "$dir/run"
  chmod 700 "$dir/munge"
  mungekey -c -k "$dir/munge/munge.key" >/dev/null 2>&1 || mungekey -c -f -k "$dir/munge/munge.key"
  munged --socket="$dir/run/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" --force
  base=$((20000 + ($$ % 5000) * 2))
  cat > "$dir/slurm.conf" <<CONF
ClusterName=vkmixtest
SlurmctldHost=$node(127.0.0.1)
SlurmUser=$user
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/run/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SchedulerParameters=batch_sched_delay=0
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$dir/slurm.conf
  for _ in $(seq 1 50); do [ -S "$dir/run/munge.socket" ] && break; sleep 0.1; done
  slurmctld -f "$SLURM_CONF"
  for _ in $(seq 1 100); do scontrol ping >/dev/null 2>&1 && break; sleep 0.1; done
  slurmd -f "$SLURM_CONF" -N "$node"
  for _ in $(seq 1 200); do
    state=$(sinfo -h -o %T 2>/dev/null || true)
    [ "$state" = idle ] && { echo "SLURM_CONF=$SLURM_CONF"; exit 0; }
    sleep 0.1
  done
  echo "slurm_cluster: the node did not come up (state '$state'); logs in $dir/log" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/slurm.conf" ]; then
    SLURM_CONF=$dir/slurm.conf scancel -u "$user" 2>/dev/null || true
  fi
  stop_pid "$dir/run/slurmd.pid"
  stop_pid "$dir/run/slurmctld.pid"
  stop_pid "$dir/run/munged.pid"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
