#!/usr/bin/env bash
# A fresh node's first REGISTERs against later ones (issue 17, item 4; bench/RESULTS.md, "Fresh node").
# Starts a one-node pool on the embedded Cassandra with bench/bench.conf on an empty data folder,
# imports 2 x N users, then runs SIPp (REGISTER -> 401 -> REGISTER with MD5 digest -> 200) over
# three user sets in turn and prints, per phase, SIPp's summary and the CPU per successful flow of
# the node and of Cassandra (from /proc):
#   first   users 1..N, each one's first REGISTER, on the fresh node, at FIRST_RATE
#   new     users N+1..2N, each one's first REGISTER, once the node has run a while, at RATE
#   again   users 1..N again (refreshes), at RATE
# Stops the node (and its Cassandra) it started. Everything lands in bench/out/fresh-node/.
#
# usage: bench/fresh-node.sh [-n USERS] [-f FIRST_RATE] [-r RATE] [-p PAUSE_AFTER_IMPORT_SECONDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=bench/lib.sh
source bench/lib.sh

users=10000; first_rate=800; rate=800; pause=0
while getopts "n:f:r:p:" o; do
  case $o in n) users=$OPTARG;; f) first_rate=$OPTARG;; r) rate=$OPTARG;; p) pause=$OPTARG;; *) exit 2;; esac
done

out="bench/out/fresh-node"
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.txt"
trap 'stop_node' EXIT
trap 'exit 130' INT TERM
{
  echo "# bench/fresh-node.sh -n $users -f $first_rate -r $rate -p $pause"
  describe_machine
} | tee "$summary"

bench/make-users.sh $((users * 2)) "$out" example.test
start_node "$out/node.log"
import_users "$out/users.csv" $((users * 2)) | tee -a "$summary"
# SIPp's CSV: its first line (SEQUENTIAL) and then one user per line
{ head -1 "$out/users.sipp.csv"; sed -n "2,$((users + 1))p" "$out/users.sipp.csv"; } > "$out/first.csv"
{ head -1 "$out/users.sipp.csv"; sed -n "$((users + 2)),$((2 * users + 1))p" "$out/users.sipp.csv"; } > "$out/new.csv"
sleep "$pause"

phase() {
  local name=$1 csv=$2 r=$3 n0 c0 n1 c1
  n0=$(cpu_ticks "$node_pid"); c0=$(cpu_ticks "$cassandra_pid")
  run_register_sipp "$out/$name" "$sip_port" "$r" "$users" "$here/$out/$csv" u1
  n1=$(cpu_ticks "$node_pid"); c1=$(cpu_ticks "$cassandra_pid")
  declare -A s=()
  while IFS='=' read -r k v; do s[$k]=$v; done < <(sipp_summary "$out/$name" "$users")
  printf "%-6s %-6s %-7s %-7s %-6s %-7s %-6s %-6s %-6s %-7s %-7s\n" "$name" "$r" "${s[flows_per_s]:--}" \
      "${s[successful]:--}" "${s[failed]:--}" "${s[retransmissions]:--}" "${s[p50_ms]:--}" "${s[p99_ms]:--}" \
      "${s[max_ms]:--}" \
      "$(python3 -c "print('%.0f' % (($n1 - $n0) * 1e4 / max(1, ${s[successful]:-0})))")" \
      "$(python3 -c "print('%.0f' % (($c1 - $c0) * 1e4 / max(1, ${s[successful]:-0})))")"
}

{
  echo
  echo "n_us/f, c_us/f: CPU microseconds per successful flow in the node and in Cassandra"
  printf "%-6s %-6s %-7s %-7s %-6s %-7s %-6s %-6s %-6s %-7s %-7s\n" \
      phase offer flows/s ok failed retrans p50_ms p99_ms max_ms n_us/f c_us/f
} | tee -a "$summary"
phase first first.csv "$first_rate" | tee -a "$summary"
sleep 3
phase new new.csv "$rate" | tee -a "$summary"
sleep 3
phase again first.csv "$rate" | tee -a "$summary"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
