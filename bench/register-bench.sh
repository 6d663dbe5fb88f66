#!/usr/bin/env bash
# REGISTER + digest throughput and latency of a one-node pool on the embedded Cassandra, everything
# (SIPp, node, Cassandra) on this machine, SIPp traffic on 127.0.0.1 only. See bench/README.md.
#
# 1. starts a node with bench/bench.conf on an empty data folder, imports N users;
# 2. warm-up: registers every user once (these first REGISTERs also load each AOR's entity);
# 3. for each rate, SIPp runs RATE x SECONDS flows (REGISTER -> 401 -> REGISTER with MD5 digest -> 200;
#    users re-register, as phones refresh) and the step is summarized from SIPp's own statistics:
#    flows/s = successful flows / SIPp's elapsed time, latency percentiles from its rtt trace (whole
#    flow, 1 ms resolution), failures by reason, flows left unanswered, UDP retransmissions, and
#    the CPU (in cores) the node, Cassandra and SIPp used during the step;
# 4. stops the node (and its Cassandra) it started, by pid.
#
# A step passes when flows/s >= 98% of the offered rate, < 0.1% of the flows failed, none was left
# unanswered and p99 < 20 ms. Everything lands in bench/out/register-<transport>/ (summary.txt).
#
# usage: bench/register-bench.sh [-t udp|tcp] [-n USERS] [-d SECONDS_PER_STEP] [-r "RATE RATE ..."] [-w WARMUP_RATE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=bench/lib.sh
source bench/lib.sh

transport=udp; users=10000; step=30; rates="1000 2000 3000 3800 4500"; warm_rate=1000
while getopts "t:n:d:r:w:" o; do
  case $o in t) transport=$OPTARG;; n) users=$OPTARG;; d) step=$OPTARG;; r) rates=$OPTARG;; w) warm_rate=$OPTARG;; *) exit 2;; esac
done
case $transport in udp) tflag=u1;; tcp) tflag=t1;; *) echo "transport: udp or tcp" >&2; exit 2;; esac

out="bench/out/register-$transport"
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.txt"
trap 'stop_node' EXIT
trap 'exit 130' INT TERM

{
  echo "# bench/register-bench.sh -t $transport -n $users -d $step -r \"$rates\" -w $warm_rate"
  describe_machine
} | tee "$summary"

bench/make-users.sh "$users" "$out" example.test
start_node "$out/node.log"
echo "node:    pid $node_pid, Cassandra pid $cassandra_pid, SIP $transport 127.0.0.1:$sip_port" | tee -a "$summary"
import_users "$out/users.csv" "$users" | tee -a "$summary"

# One SIPp step at $1 flows/s for $2 flows into folder $3; prints one table row.
step_row() {
  local rate=$1 calls=$2 dir=$3 label=$4
  local ok0 all0 n0 c0 t0 ok1 all1 n1 c1 t1
  ok0=$(metric 'switchboard_register_requests_total{status="200"'); all0=$(metric 'switchboard_register_requests_total{')
  local shed0 shed1; shed0=$(shed_counts)
  n0=$(cpu_ticks "$node_pid"); c0=$(cpu_ticks "$cassandra_pid"); t0=$(date +%s.%N)
  run_register_sipp "$dir" "$sip_port" "$rate" "$calls" "$here/$out/users.sipp.csv" "$tflag"
  t1=$(date +%s.%N); n1=$(cpu_ticks "$node_pid"); c1=$(cpu_ticks "$cassandra_pid")
  sleep 1 # responses still in flight for the node's counters
  ok1=$(metric 'switchboard_register_requests_total{status="200"'); all1=$(metric 'switchboard_register_requests_total{')
  shed1=$(shed_counts)
  declare -A s=()
  while IFS='=' read -r k v; do s[$k]=$v; done < <(sipp_summary "$dir" "$calls")
  local secs cpu_node cpu_cass cpu_sipp us_node us_cass
  secs=$(python3 -c "print($t1 - $t0)")
  us_node=$(python3 -c "print('%.0f' % (($n1 - $n0) * 1e4 / max(1, ${s[successful]:-0})))")
  us_cass=$(python3 -c "print('%.0f' % (($c1 - $c0) * 1e4 / max(1, ${s[successful]:-0})))")
  cpu_node=$(python3 -c "print('%.2f' % (($n1 - $n0) / 100 / $secs))")
  cpu_cass=$(python3 -c "print('%.2f' % (($c1 - $c0) / 100 / $secs))")
  cpu_sipp=$(python3 -c "print('%.2f' % (${s[sipp_cpu_s]:-0} / $secs))")
  printf "%-7s %-6s %-7s %-7s %-6s %-5s %-7s %-6s %-6s %-6s %-6s %-6s %-5s %-5s %-5s %-6s %-6s %-12s %s shed: %s\n" \
      "$label" "$rate" "${s[flows_per_s]:--}" "${s[successful]:--}" "${s[failed]:--}" "${s[unanswered]:--}" \
      "${s[retransmissions]:--}" "${s[p50_ms]:--}" "${s[p90_ms]:--}" "${s[p99_ms]:--}" "${s[max_ms]:--}" \
      "${s[min_1s_flows_per_s]:--}" "$cpu_node" "$cpu_cass" "$cpu_sipp" "$us_node" "$us_cass" "$((ok1 - ok0))/$((all1 - all0))" \
      "${s[failure_reasons]:--}$([ "${s[complete]:-NO}" = yes ] || echo " INCOMPLETE(rc ${s[sipp_rc]:-?})")" \
      "$(shed_delta "$shed0" "$shed1")"
}

header() {
  echo
  echo "flows/s: SIPp successes / SIPp elapsed; min1s: slowest 1-s period; ms: whole flow, SIPp rtt trace"
  echo "node/cass/sipp: cores used during the step; us/fl: CPU microseconds per successful flow"
  echo "node200: 200 OKs the node sent / REGISTERs it answered after authentication (its own counters)"
  echo "shed: the node's switchboard_sip_shed_total by reason during the step (503 + Retry-After)"
  printf "%-7s %-6s %-7s %-7s %-6s %-5s %-7s %-6s %-6s %-6s %-6s %-6s %-5s %-5s %-5s %-6s %-6s %-12s %s\n" \
      step offer flows/s ok failed unans retrans p50_ms p90_ms p99_ms max_ms min1s node cass sipp n_us/f c_us/f node200 failures
}

header | tee -a "$summary"
step_row "$warm_rate" "$users" "$out/warmup" warmup | tee -a "$summary"
best=""
for rate in $rates; do
  node_alive || { echo "node $node_pid is gone (see $out/node.log)" | tee -a "$summary"; exit 1; }
  sleep 3
  step_row "$rate" $((rate * step)) "$out/r$rate" "r$rate" > "$out/row.tmp"
  tee -a "$summary" < "$out/row.tmp"
  read -r _ _ tput ok failed unans _ _ _ p99 _ < "$out/row.tmp"
  complete=yes; grep -q INCOMPLETE "$out/row.tmp" && complete=no
  if step_is_clean "$rate" "$complete" "$unans" "$ok" "$failed" "$tput" "$p99"; then
    best="$rate (flows/s $tput, p99 $p99 ms)"
  fi
done
rm -f "$out/row.tmp"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
echo "highest offered rate over $transport meeting flows/s >= 98% offered, < 0.1% failed, 0 unanswered, p99 < 20 ms: ${best:-none}" | tee -a "$summary"
