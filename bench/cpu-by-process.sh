#!/usr/bin/env bash
# Runs a command and prints the CPU time (user + system) every process on the machine spent meanwhile,
# largest first: where the CPU of a workload goes across a mount, its metaservers, the MDS and S3.
#
#   bench/cpu-by-process.sh COMMAND [ARGS...]
#   e.g. with a playground mounted on /tmp/pg/mnt:
#   bench/cpu-by-process.sh bash -c 'mkdir /tmp/pg/mnt/d; for i in $(seq 1000); do echo x > /tmp/pg/mnt/d/f$i; done'
#
# Processes that exit before the command ends are not counted (their time leaves with them), the command
# itself included: run the workload against processes that stay, and read the kernel's share of the
# workload's system calls from the machine-wide figure of curvefs-bench (docs/benchmarks.md).
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: bench/cpu-by-process.sh COMMAND [ARGS...]" >&2
  exit 64
fi

# pid, utime + stime in clock ticks, command line (first 80 characters)
snapshot() {
  for stat in /proc/[0-9]*/stat; do
    pid=${stat#/proc/}; pid=${pid%/stat}
    read -r line < "$stat" 2>/dev/null || continue
    rest=${line##*) }
    # fields after "pid (comm) ": state ppid ... utime is the 12th, stime the 13th
    set -- $rest
    ticks=$(( ${12} + ${13} ))
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-80)
    echo "$pid $ticks ${cmd:-[$(cut -d' ' -f2 < "$stat" 2>/dev/null)]}"
  done
}

before=$(mktemp); after=$(mktemp); spent=$(mktemp)
trap 'rm -f "$before" "$after" "$spent"' EXIT
snapshot > "$before"
start=$(date +%s.%N)
status=0
"$@" || status=$?
end=$(date +%s.%N)
snapshot > "$after"
hz=$(getconf CLK_TCK)

wall=$(echo "$end - $start" | bc)
awk -v hz="$hz" '
  NR == FNR { before[$1] = $2; next }
  {
    pid = $1; ticks = $2; $1 = ""; $2 = ""; sub(/^  /, "")
    spent = ticks - (pid in before ? before[pid] : 0)
    if (spent > 0) printf "%8.2f s  %7s  %s\n", spent / hz, pid, $0
  }
' "$before" "$after" | sort -rn | tee "$spent"
awk -v wall="$wall" '{ total += $1 } END { printf "%8.2f s  total over %.2f s of wall time (%.2f cores)\n", total, wall, total / wall }' "$spent"
exit "$status"
