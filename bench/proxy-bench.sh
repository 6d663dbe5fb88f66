#!/usr/bin/env bash
# Calls or MESSAGEs per second through the proxy of a one- or three-node pool, everything (SIPp
# caller, SIPp callee, nodes, Cassandra) on this machine, SIPp traffic on 127.0.0.1 only. Run
# through bench/call-bench.sh or bench/message-bench.sh (which set --kind); see bench/README.md.
#
# 1. starts node 1 with bench/bench.conf (embedded Cassandra) on an empty data folder; with
#    --nodes 3 also node 2 and node 3 (same cluster, seed node 1, storage.mode = "external" on
#    node 1's Cassandra, SIP 15062 / 15064, admin 18082 / 18084); imports N users;
# 2. a SIPp "callee" process registers all N users (bench/sipp/register-uas.xml) with contacts at
#    its own port, on node 2 when there are three nodes (else node 1), over -t; the requests the
#    proxy sends to those contacts run its out-of-call scenario (uas-call.xml: 180, 200, ACK,
#    BYE -> 200; or message-uas.xml: 200);
# 3. a SIPp "caller" sends to node 1: user i calls user i + N/2. With --auth yes the caller is
#    that pool user and authenticates (INVITE -> 407 -> ACK, INVITE with digest; MESSAGE -> 407,
#    MESSAGE with digest); with --auth no the From is sip:userI@bench.invalid, which the proxy
#    does not challenge (the proxy's own cost without digest). So with three nodes every call
#    goes caller -> node 1 -> (UDP contact | node 2 -> TCP flow) -> callee, and the users'
#    registrar entities are spread over all three nodes (sharding);
# 4. warm-up: every caller once at the warm-up rate (loads account caches); then per rate
#    RATE x SECONDS calls, summarized from the caller's SIPp statistics: completed calls/s
#    (INVITE to the 200 of the BYE) or MESSAGE/s, failures by reason, unanswered, retransmissions,
#    p50/p90/p99 of INVITE -> 200 ("setup", from the first INVITE, so with --auth yes it includes
#    the 407 round trip) or MESSAGE -> 200, and the CPU (cores) of the node(s), Cassandra and
#    both SIPp processes, and CPU microseconds per call of the node(s) and Cassandra;
# 5. stops everything it started, by pid.
#
# A step passes when calls/s >= 98% of the offered rate, < 0.1% failed and none unanswered.
# Results: bench/out/<kind>-<transport>-<nodes>n-auth<yes|no>/summary.txt.
#
# usage: bench/proxy-bench.sh --kind call|message [-t udp|tcp] [-n USERS] [-d SECONDS_PER_STEP]
#            [-r "RATE RATE ..."] [-w WARMUP_RATE] [--nodes 1|3] [--auth yes|no] [--hold MS] [--jfr]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=bench/lib.sh
source bench/lib.sh

kind=""; transport=udp; users=1000; step=20; rates=""; warm_rate=200; nodes=1; auth=yes; hold=0; jfr=no
usage() { sed -n '/^# usage:/,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --kind) kind=$2; shift 2;;
    -t) transport=$2; shift 2;;
    -n) users=$2; shift 2;;
    -d) step=$2; shift 2;;
    -r) rates=$2; shift 2;;
    -w) warm_rate=$2; shift 2;;
    --nodes) nodes=$2; shift 2;;
    --auth) auth=$2; shift 2;;
    --hold) hold=$2; shift 2;;
    --jfr) jfr=yes; shift;;
    *) usage;;
  esac
done
case $transport in udp) tflag=u1;; tcp) tflag=t1;; *) echo "-t: udp or tcp" >&2; exit 2;; esac
case $nodes in 1|3) ;; *) echo "--nodes: 1 or 3" >&2; exit 2;; esac
case $auth in yes) suffix="";; no) suffix="-noauth";; *) echo "--auth: yes or no" >&2; exit 2;; esac
case $kind in
  call) uac="uac-call$suffix.xml"; uas="uas-call.xml"; rtd=setup; method=INVITE; unit="calls/s"
        rates=${rates:-"200 400 600 800 1000"};;
  message) uac="message-uac$suffix.xml"; uas="message-uas.xml"; rtd=message; method=MESSAGE; unit="MESSAGE/s"
        rates=${rates:-"500 1000 1500 2000 3000"};;
  *) echo "--kind: call or message" >&2; exit 2;;
esac
[ "$users" -ge 2 ] || { echo "-n: at least 2 users" >&2; exit 2; }

out="bench/out/$kind-$transport-${nodes}n-auth$auth"
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.txt"
uas_pid=""
cleanup() {
  if [ -n "$uas_pid" ] && kill -0 "$uas_pid" 2>/dev/null; then
    kill "$uas_pid" 2>/dev/null || true
    sleep 1
    kill -0 "$uas_pid" 2>/dev/null && kill -9 "$uas_pid" 2>/dev/null
  fi
  stop_pool
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  echo "# bench/$kind-bench.sh -t $transport -n $users -d $step -r \"$rates\" -w $warm_rate --nodes $nodes --auth $auth --hold $hold"
  describe_machine
} | tee "$summary"

bench/make-users.sh "$users" "$out" example.test
# caller;domain;[authentication ...];callee - user i calls user i + N/2 (so callers and callees
# are the same accounts; with --auth no only the names are used)
awk -F';' -v n="$users" 'NR == 1 {print; next} {
    i = NR - 1; j = (i - 1 + int(n / 2)) % n + 1
    printf "%s;%s;%s;bench%06d\n", $1, $2, $3, j }' "$out/users.sipp.csv" > "$out/callers.sipp.csv"

start_node "$out/node1.log"
if [ "$nodes" = 3 ]; then
  for k in 2 3; do
    cat > "$out/node$k.conf" <<EOF
# Node $k of the three-node bench pool: same cluster (seed node 1), node 1's Cassandra.
include file("$here/$bench_config")
switchboard {
  node { id = "node-$k", data-dir = "$here/$out/data-node$k" }
  cluster { port = $((12550 + k)), seed-nodes = ["127.0.0.1:12551"] }
  sip { udp-port = $((15060 + 2 * (k - 1))), tcp-port = $((15060 + 2 * (k - 1))) }
  admin.port = $((18080 + 2 * (k - 1)))
  storage {
    mode = "external"
    external { contact-points = ["127.0.0.1:19042"], local-dc = "dc1" }
  }
}
EOF
    start_pool_node "$out/node$k.conf" "$out/node$k.log"
  done
fi
for k in "${!pool_pids[@]}"; do
  echo "node-$((k + 1)): pid ${pool_pids[$k]}, SIP 127.0.0.1:${pool_sip_ports[$k]}, admin ${pool_admin_ports[$k]}" | tee -a "$summary"
done
echo "cassandra: pid $cassandra_pid (embedded in node-1)" | tee -a "$summary"
import_users "$out/users.csv" "$users" | tee -a "$summary"

# The callee registers on node 2 when there are three (its TCP flow then lives there).
b=$(( nodes == 3 ? 1 : 0 ))
uas_port=16000
# Starts the callee SIPp, which registers every user (again: refreshes are harmless) and stays up.
start_callee() {
  mkdir -p "$out/uas"
  (
    cd "$out/uas"
    exec sipp 127.0.0.1:"${pool_sip_ports[$b]}" -sf "$here/bench/sipp/register-uas.xml" -oocsf "$here/bench/sipp/$uas" \
        -inf "$here/$out/users.sipp.csv" -t "$tflag" -p "$uas_port" -r 100 -m "$users" -l $((users + 10)) \
        -recv_timeout 10000 -nostdin -nd -buff_size 4194304 > screen.txt 2>&1
  ) &
  uas_pid=$!
}
# Bindings held by all nodes' registrar entities: one per registered user (all share one contact).
bindings() {
  local k sum=0
  for k in "${!pool_admin_ports[@]}"; do
    sum=$((sum + $(metric_at "${pool_admin_ports[$k]}" 'switchboard_active_bindings')))
  done
  echo "$sum"
}
# A freshly started node on a busy machine answers some of the first REGISTERs with 503 (its
# entity or Cassandra did not answer in time); the callee SIPp then starts over (up to 3 times):
# users already registered just refresh their binding.
registered=0
for attempt in 1 2 3; do
  start_callee
  before=-1
  for i in $(seq 1 $((users / 25 + 120))); do
    registered=$(bindings)
    [ "$registered" -ge "$users" ] && break
    kill -0 "$uas_pid" 2>/dev/null || { echo "callee SIPp exited (see $out/uas/screen.txt)" | tee -a "$summary"; exit 1; }
    answered=$(metric_at "${pool_admin_ports[$b]}" 'switchboard_register_requests_total{')
    # nothing answered for 5 s after the last REGISTER went out: the rest failed
    if [ "$answered" = "$before" ] && [ "$i" -gt $((users / 100 + 10)) ]; then break; fi
    [ $((i % 10)) = 0 ] && before=$answered
    sleep 0.5
  done
  [ "$registered" -ge "$users" ] && break
  echo "callee registration attempt $attempt: $registered of $users users registered; starting over" | tee -a "$summary"
  kill "$uas_pid" 2>/dev/null || true
  wait "$uas_pid" 2>/dev/null || true
  uas_pid=""
  sleep 3
done
echo "callee:  SIPp pid $uas_pid on 127.0.0.1:$uas_port ($transport), $registered of $users users registered on node-$((b + 1))" | tee -a "$summary"
[ "$registered" -ge "$users" ] || { echo "not every callee registered" | tee -a "$summary"; exit 1; }
echo "caller:  SIPp to node-1 (127.0.0.1:${pool_sip_ports[0]}, $transport), scenario $uac, callee scenario $uas" | tee -a "$summary"

node_ticks() {
  local s=0 p
  for p in "${pool_pids[@]}"; do s=$((s + $(cpu_ticks "$p"))); done
  echo "$s"
}
# Datagrams the kernel dropped because a UDP socket's receive buffer was full (all sockets of the
# machine: the nodes', both SIPps' and anyone else's).
udp_drops() { awk '/^Udp:/ && ++n == 2 {print $6}' /proc/net/snmp; }
ok_metric="switchboard_proxy_requests_total{method=\"$method\",status=\"200\""

# One SIPp step at $1 calls/s for $2 calls into folder $3; prints one table row.
step_row() {
  local rate=$1 calls=$2 dir=$3 label=$4
  local ok0 n0 c0 u0 t0 ok1 n1 c1 u1 t1 d0 d1
  ok0=$(metric_at "${pool_admin_ports[0]}" "$ok_metric"); d0=$(udp_drops)
  local shed0 shed1; shed0=$(shed_counts "${pool_admin_ports[0]}")
  n0=$(node_ticks); c0=$(cpu_ticks "$cassandra_pid"); u0=$(cpu_ticks "$uas_pid"); t0=$(date +%s.%N)
  run_sipp "$dir" $((calls / rate * 2 + 60)) 127.0.0.1:"${pool_sip_ports[0]}" -sf "$here/bench/sipp/$uac" \
      -inf "$here/$out/callers.sipp.csv" -t "$tflag" -r "$rate" -m "$calls" -l $((rate * 2)) -d "$hold" \
      -default_behaviors abortunexp -recv_timeout 5000 -timeout $((calls / rate * 2 + 30))s
  t1=$(date +%s.%N); n1=$(node_ticks); c1=$(cpu_ticks "$cassandra_pid"); u1=$(cpu_ticks "$uas_pid"); d1=$(udp_drops)
  sleep 1 # answers still in flight for the node's counters
  ok1=$(metric_at "${pool_admin_ports[0]}" "$ok_metric")
  shed1=$(shed_counts "${pool_admin_ports[0]}")
  declare -A s=()
  while IFS='=' read -r k v; do s[$k]=$v; done < <(sipp_summary "$dir" "$calls" "$rtd")
  local whole="-"
  if [ "$kind" = call ]; then
    whole=$(sipp_summary "$dir" "$calls" call | sed -n 's/^call_p99_ms=//p')
  fi
  local secs cpu_node cpu_cass cpu_uac cpu_uas us_node us_cass good
  good=${s[successful]:-0}
  secs=$(python3 -c "print($t1 - $t0)")
  us_node=$(python3 -c "print('%.0f' % (($n1 - $n0) * 1e4 / max(1, $good)))")
  us_cass=$(python3 -c "print('%.0f' % (($c1 - $c0) * 1e4 / max(1, $good)))")
  cpu_node=$(python3 -c "print('%.2f' % (($n1 - $n0) / 100 / $secs))")
  cpu_cass=$(python3 -c "print('%.2f' % (($c1 - $c0) / 100 / $secs))")
  cpu_uac=$(python3 -c "print('%.2f' % (${s[sipp_cpu_s]:-0} / $secs))")
  cpu_uas=$(python3 -c "print('%.2f' % (($u1 - $u0) / 100 / $secs))")
  printf "%-7s %-6s %-7s %-7s %-6s %-5s %-7s %-6s %-6s %-6s %-6s %-7s %-6s %-5s %-5s %-5s %-5s %-6s %-6s %-8s %-7s %s shed: %s\n" \
      "$label" "$rate" "${s[flows_per_s]:--}" "${s[successful]:--}" "${s[failed]:--}" "${s[unanswered]:--}" \
      "${s[retransmissions]:--}" "${s[p50_ms]:--}" "${s[p90_ms]:--}" "${s[p99_ms]:--}" "${s[max_ms]:--}" "${whole:--}" \
      "${s[min_1s_flows_per_s]:--}" "$cpu_node" "$cpu_cass" "$cpu_uac" "$cpu_uas" "$us_node" "$us_cass" "$((ok1 - ok0))" "$((d1 - d0))" \
      "${s[failure_reasons]:--}$([ "${s[complete]:-NO}" = yes ] || echo " INCOMPLETE(rc ${s[sipp_rc]:-?})")" \
      "$(shed_delta "$shed0" "$shed1")"
}

header() {
  echo
  echo "$unit: caller SIPp successes / its elapsed time; min1s: slowest 1-s period"
  echo "p50/p90/p99/max: first $method to its 200 (ms, SIPp rtt trace); call99: p99 of the whole call (first INVITE to the BYE's 200)"
  echo "node/cass/uac/uas: cores used during the step (node: all nodes together); n_us, c_us: CPU microseconds per success"
  echo "n1_200: $method 200s node-1 relayed (its own counter); udpdrop: datagrams the kernel dropped for a full receive buffer (whole machine)"
  echo "shed: node-1's switchboard_sip_shed_total by reason during the step (503 + Retry-After)"
  printf "%-7s %-6s %-7s %-7s %-6s %-5s %-7s %-6s %-6s %-6s %-6s %-7s %-6s %-5s %-5s %-5s %-5s %-6s %-6s %-8s %-7s %s\n" \
      step offer "$unit" ok failed unans retrans p50 p90 p99 max call99 min1s node cass uac uas n_us c_us n1_200 udpdrop failures
}

header | tee -a "$summary"
step_row "$warm_rate" "$users" "$out/warmup" warmup | tee -a "$summary"
[ "$jfr" = yes ] && jcmd "${pool_pids[0]}" JFR.start name=bench settings=profile filename="$here/$out/node1.jfr" >/dev/null
best=""
for rate in $rates; do
  for p in "${pool_pids[@]}"; do
    kill -0 "$p" 2>/dev/null || { echo "node $p is gone (see $out/node*.log)" | tee -a "$summary"; exit 1; }
  done
  kill -0 "$uas_pid" 2>/dev/null || { echo "callee SIPp is gone (see $out/uas/screen.txt)" | tee -a "$summary"; exit 1; }
  sleep 3
  step_row "$rate" $((rate * step)) "$out/r$rate" "r$rate" > "$out/row.tmp"
  tee -a "$summary" < "$out/row.tmp"
  read -r _ _ tput ok failed unans _ _ _ p99 _ < "$out/row.tmp"
  if ! grep -q INCOMPLETE "$out/row.tmp" && [ "$unans" = 0 ] && python3 -c "
import sys; ok, failed, tput = $ok, $failed, float('$tput')
sys.exit(0 if ok + failed > 0 and failed * 1000 < ok + failed and tput >= 0.98 * $rate else 1)" 2>/dev/null; then
    best="$rate ($unit $tput, p99 $p99 ms)"
  fi
done
rm -f "$out/row.tmp"
if [ "$jfr" = yes ]; then
  jcmd "${pool_pids[0]}" JFR.stop name=bench >/dev/null || true
  python3 bench/jfr-top.py "$out/node1.jfr" 40 > "$out/jfr-top.txt" 2>&1 || true
  echo "profile: $out/node1.jfr (node-1 over all rate steps), hottest frames in $out/jfr-top.txt" | tee -a "$summary"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
echo "highest offered rate ($kind, $transport, $nodes node(s), auth $auth) with $unit >= 98% offered, < 0.1% failed, 0 unanswered: ${best:-none}" | tee -a "$summary"
