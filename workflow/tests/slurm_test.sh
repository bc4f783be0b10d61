#!/usr/bin/env bash
# Runs the workflow through the SLURM profile on a real single-node SLURM cluster brought up on
# this machine (Debian slurm-wlm + munge; slurmctld and slurmd on localhost), then checks the
# outputs. The daemons use their own config, key, socket, ports and state in a temp folder and
# are always stopped on exit; its slurm.conf goes to /etc/slurm (the default path, which
# nested srun needs), and whatever was there is put back. Needs root (installs slurm-wlm munge
# when missing).
#
#   workflow/tests/slurm_test.sh SIMDIR WORKDIR
#
# SIMDIR holds chr1.vcf.gz, chr2.vcf.gz, panel.txt (workflow/scripts/simulate.py); the run goes
# to WORKDIR/slurm-run. snakemake and genosynth must be on PATH; extra snakemake --config
# values come from $WORKFLOW_TEST_CONFIG. This run covers the test config's `model: hclt`,
# stratified (one model per stratum and chromosome, each judged on its own held-out people);
# the local runs of `cargo xtask workflow-check` cover it and crbm windows with
# `conditioning: labels`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
workflow_dir="$(dirname "$here")"
sim="$(cd "$1" && pwd)"
work="$(mkdir -p "$2" && cd "$2" && pwd)"

[ "$(id -u)" = 0 ] || { echo "error: the SLURM test brings up daemons and needs root" >&2; exit 1; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "slurm-test: installing slurm-wlm munge" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

run="$work/slurm-run"
cluster="$(mktemp -d /tmp/genosynth-slurm.XXXXXX)"
mkdir -p "$cluster/state" "$cluster/spool" "$cluster/munge"
# The config must sit at the default path: the jobstep plugin's nested srun drops SLURM_*
# variables, SLURM_CONF included. A config already there is put back on exit.
export SLURM_CONF=/etc/slurm/slurm.conf
mkdir -p /etc/slurm
if [ -e "$SLURM_CONF" ]; then cp -p "$SLURM_CONF" "$cluster/slurm.conf.orig"; fi

stop_cluster() {
    local rc=$?
    # Cancel what is left, then stop each daemon this test started, by its pid file.
    scancel --user=root >/dev/null 2>&1 || true
    for pidfile in "$cluster/slurmd.pid" "$cluster/slurmctld.pid" "$cluster/munge/munged.pid"; do
        if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    done
    sleep 1
    if [ -e "$cluster/slurm.conf.orig" ]; then
        cp -p "$cluster/slurm.conf.orig" "$SLURM_CONF"
    else
        rm -f "$SLURM_CONF"
    fi
    if [ $rc -ne 0 ]; then
        echo "slurm-test: failed; daemon logs:" >&2
        tail -n 30 "$cluster"/*.log >&2 || true
        find "$run/.snakemake/slurm_logs" -name '*.log' -exec tail -n 20 {} + >&2 2>/dev/null || true
    fi
    rm -rf "$cluster"
    exit $rc
}
trap stop_cluster EXIT
# A signal (timeout, Ctrl-C) exits, so the EXIT trap stops the daemons too.
trap "exit 143" TERM INT

# munge: a fresh key and a private socket, so a system munged (if any) is left alone.
dd if=/dev/urandom of="$cluster/munge/munge.key" bs=1024 count=1 status=none
chmod 0400 "$cluster/munge/munge.key"
munged --force --key-file="$cluster/munge/munge.key" --socket="$cluster/munge/munge.sock" \
    --pid-file="$cluster/munge/munged.pid" --log-file="$cluster/munged.log" \
    --seed-file="$cluster/munge/munged.seed"

host="$(hostname -s)"
cpus="$(nproc)"
# The memory slurmd itself detects, so the node is not drained for claiming more.
memory="$(slurmd -C | grep -o 'RealMemory=[0-9]*' | cut -d= -f2)"
cat > "$SLURM_CONF" <<EOF
ClusterName=genosynth-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$cluster/munge/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/slurmctld.log
SlurmdLogFile=$cluster/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
# Keep finished jobs visible to squeue long enough for Snakemake's status checks.
MinJobAge=600
SchedulerType=sched/backfill
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -c
slurmd
for _ in $(seq 60); do
    state="$(sinfo -h -N -o %t 2>/dev/null || true)"
    [ "$state" = idle ] && break
    sleep 1
done
[ "$state" = idle ] || { echo "error: the SLURM node did not become idle (state: ${state:-none})" >&2; exit 1; }
echo "slurm-test: cluster up: node $host, $cpus CPUs, $memory MiB" >&2
srun -N1 -n1 true

rm -rf "$run"
mkdir -p "$run"
cd "$run"
started=$(date +%s)
# Through the profile, with requests that fit this node; no accounting database: no account,
# and squeue (MinJobAge above) answers the status checks.
# A bound on the whole run: a stuck job fails the test instead of hanging CI.
timeout 1500 snakemake -s "$workflow_dir/Snakefile" --workflow-profile "$workflow_dir/profiles/slurm" \
    --slurm-no-account --slurm-status-command squeue --slurm-init-seconds-before-status-checks 5 \
    --slurm-keep-successful-logs \
    --set-threads train_window=1 train_model=1 evaluate=1 generate=1 generate_labelled=1 \
    --default-resources runtime=30 mem_mb=1000 cpus_per_task=1 \
    --set-resources train_window:mem_mb=1500 train_model:mem_mb=1500 evaluate:mem_mb=2000 \
        generate_labelled:mem_mb=1000 subset_stratum:mem_mb=1000 merge_strata:mem_mb=1000 \
        generate:mem_mb=1000 generate_segment:mem_mb=1000 subset:mem_mb=1000 stitch:mem_mb=1000 \
    --jobs 4 \
    --configfile "$here/config.yaml" \
    --config "vcf=$sim/{chrom}.vcf.gz" "panel=$sim/panel.txt" outdir=out \
        ${WORKFLOW_TEST_CONFIG:-}
echo "slurm-test: workflow finished in $(( $(date +%s) - started )) s" >&2
jobs_run="$(find .snakemake/slurm_logs -name '*.log' | wc -l)"
[ "$jobs_run" -gt 0 ] || { echo "error: no SLURM job logs: the jobs did not go through SLURM" >&2; exit 1; }
echo "slurm-test: $jobs_run jobs ran through sbatch" >&2
python3 "$here/check_outputs.py" out --chromosomes chr1 chr2
