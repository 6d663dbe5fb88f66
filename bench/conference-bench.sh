#!/usr/bin/env bash
# Conferencing focus (issue 12 item 9), against one node started here with its embedded Cassandra
# and one SIPp mixer (bench/sipp/conference-mixer.xml as the only entry of conferencing.mcus), on
# addresses and ports of its own so it runs beside another bench or a quick-start node: SIP
# 127.0.0.73:35160, mixer 127.0.0.73:35170, admin 38180, cluster 32651, Cassandra 39142/37100,
# data in bench/out/conference-MODE/data. Imports N users (bench/make-users.sh).
#
# MODE joins: C conferences (presenters "everyone", so nobody waits in the lobby); SIPp participants
#   (bench/sipp/conference-participant.xml: INVITE with SDP, 407, digest, 200 with the mixer's SDP,
#   ACK, hold, BYE) join them round robin at each offered rate for SECONDS; per rate joins/s, failures,
#   join p50/p90/p99 (first INVITE to its 200, through the focus and its INVITE to the mixer), CPU of
#   node and Cassandra per join. A join holds for HOLD_MS, so rate x hold legs are up at once
#   (within the 250-participant limit of each conference: keep rate x hold / C below 250).
# MODE fanout: one conference; W users subscribe to its state (RFC 4575) and one participant joins
#   and leaves J times (bench/presence/PresenceBench.java conference-fanout): time from the join to
#   the last subscriber's NOTIFY, and from the BYE to the last NOTIFY.
#
# usage: bench/conference-bench.sh joins  [-r "RATES"] [-d SECONDS] [-H HOLD_MS] [-c CONFERENCES]
#        bench/conference-bench.sh fanout [-w WATCHERS] [-j JOINS]
# Build first: mvn -B -q -DskipTests package (or install -pl pool-node -am)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=bench/lib.sh
source bench/lib.sh

mode="${1:-}"; [ $# -gt 0 ] && shift
rates="50 100 200 300"; duration=20; hold=2000; conferences=10; watchers=250; joins=30
while getopts "r:d:H:c:w:j:" o; do
  case $o in r) rates=$OPTARG;; d) duration=$OPTARG;; H) hold=$OPTARG;; c) conferences=$OPTARG;;
             w) watchers=$OPTARG;; j) joins=$OPTARG;; *) exit 2;; esac
done
case $mode in joins|fanout) ;; *) sed -n '/^# usage:/,/^# Build/p' "$0" >&2; exit 2;; esac

ip=127.0.0.73; mixer_port=35170
out="bench/out/conference-$mode"
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.txt"
bench_data="$out/data"
bench_config="$out/node.conf"
cat > "$bench_config" <<CONF
include file("$here/bench/bench.conf")
switchboard {
  node.data-dir = "$here/$bench_data"
  cluster { port = 32651, seed-nodes = ["127.0.0.1:32651"] }
  sip { bind-address = "$ip", udp-port = 35160, tcp-port = 35160 }
  admin.port = 38180
  storage.embedded { native-port = 39142, storage-port = 37100 }
  conferencing.mcus = ["sip:mixer@$ip:$mixer_port"]
  # every simulated phone sends from one address: the per-source cap on new subscriptions (meant
  # for one office behind one address) would measure itself instead of the focus
  presence.limits { new-dialogs-per-second = 1000000, new-dialogs-burst = 1000000 }
}
CONF
mixer_pid=""
cleanup() {
  [ -n "$mixer_pid" ] && kill "$mixer_pid" 2>/dev/null || true
  stop_node
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$mode" = joins ]; then users=1000; else users=$((watchers + 1)); fi
{
  echo "# bench/conference-bench.sh $mode -r \"$rates\" -d $duration -H $hold -c $conferences -w $watchers -j $joins"
  describe_machine
} | tee "$summary"

# the mixer first: the node's OPTIONS checks find it up from the start
mkdir -p "$out/mixer"
(
  cd "$out/mixer"
  exec sipp -sf "$here/bench/sipp/conference-mixer.xml" -i "$ip" -p "$mixer_port" -mp 36170 -t u1 -aa \
      -nostdin -nd -trace_err > screen.txt 2>&1
) &
mixer_pid=$!
start_node "$out/node.log"
echo "node:    pid $node_pid, Cassandra pid $cassandra_pid, SIP udp $ip:$sip_port; mixer SIPp pid $mixer_pid on $ip:$mixer_port" | tee -a "$summary"
bench/make-users.sh "$users" "$out" > /dev/null
import_users "$out/users.csv" "$users" | tee -a "$summary"
mixer_up() { curl -sf "http://127.0.0.1:$admin_port/metrics" | grep -q 'switchboard_conference_mixer_up{[^}]*} 1'; }
for i in $(seq 1 120); do mixer_up && break; sleep 0.5; done
mixer_up || { echo "the node does not see the SIPp mixer up (see $out/mixer/screen.txt)" | tee -a "$summary"; exit 1; }

# Creates a conference (presenters everyone) and prints its id.
create_conference() {
  curl -sf -X POST -H "Authorization: Bearer switchboard-demo-admin-token" -H "Content-Type: application/json" \
    -d "{\"organizer\":\"sip:bench000001@example.test\",\"subject\":\"bench $1\",\"access\":\"company\",\"presenters\":\"everyone\"}" \
    "http://127.0.0.1:$admin_port/api/conferences" | sed -E 's/.*"id":"([a-z2-7]+)".*/\1/'
}

if [ "$mode" = fanout ]; then
  id=$(create_conference fanout)
  [ -n "$id" ] || { echo "could not create the conference" >&2; exit 1; }
  java -Xmx512m bench/presence/PresenceBench.java conference-fanout --host "$ip" --port "$sip_port" \
      --conference "sip:conf-$id@example.test" --watchers "$watchers" --joins "$joins" \
      --cpu-pids "node:$node_pid,cassandra:$cassandra_pid" 2>&1 | tee -a "$summary"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
  exit 0
fi

ids=()
for k in $(seq 1 "$conferences"); do
  id=$(create_conference "$k")
  [ -n "$id" ] || { echo "could not create conference $k" >&2; exit 1; }
  ids+=("conf-$id")
done
# participants: user i joins conference i mod C
{
  echo "SEQUENTIAL"
  tail -n +2 "$out/users.sipp.csv" | awk -v list="${ids[*]}" 'BEGIN {n = split(list, c, " ")} {print $0 ";" c[(NR - 1) % n + 1]}'
} > "$out/participants.sipp.csv"

# what the node and Cassandra burn with nobody calling (the mixer checks, compaction, ...): part of
# every step's CPU, so CPU per join at a low rate is mostly this
n0=$(cpu_ticks "$node_pid"); c0=$(cpu_ticks "$cassandra_pid"); sleep 10
echo "idle:    node $(python3 -c "print('%.2f' % (($(cpu_ticks "$node_pid") - $n0) / 1000))") cores, Cassandra $(python3 -c "print('%.2f' % (($(cpu_ticks "$cassandra_pid") - $c0) / 1000))") cores over 10 s before the steps" | tee -a "$summary"

header() {
  echo
  echo "joins/s: successful joins / SECONDS (SIPp starts joins open loop for SECONDS; each then holds HOLD_MS); p50/p90/p99/max: first INVITE to its 200 (ms, incl. the 407 round trip)"
  echo "node/cass: cores used during the step; n_us, c_us: CPU microseconds per join (node, Cassandra)"
  printf "%-6s %-7s %-7s %-6s %-5s %-7s %-6s %-6s %-6s %-6s %-5s %-5s %-6s %-6s %s\n" \
      offer joins/s ok failed unans retrans p50 p90 p99 max node cass n_us c_us failures
}
header | tee -a "$summary"
best=""
for rate in $rates; do
  kill -0 "$node_pid" 2>/dev/null || { echo "node is gone (see $out/node.log)" | tee -a "$summary"; exit 1; }
  calls=$((rate * duration))
  dir="$out/r$rate"
  n0=$(cpu_ticks "$node_pid"); c0=$(cpu_ticks "$cassandra_pid"); t0=$(date +%s.%N)
  run_sipp "$dir" $((duration * 2 + hold / 1000 + 60)) "$ip:$sip_port" -sf "$here/bench/sipp/conference-participant.xml" \
      -inf "$here/$out/participants.sipp.csv" -i "$ip" -t u1 -r "$rate" -m "$calls" -l $((rate * (hold / 1000 + 2))) \
      -d "$hold" -mp 36270 -recv_timeout 5000 -timeout $((duration * 2 + hold / 1000 + 30))s
  t1=$(date +%s.%N); n1=$(cpu_ticks "$node_pid"); c1=$(cpu_ticks "$cassandra_pid")
  declare -A s=()
  while IFS='=' read -r k v; do s[$k]=$v; done < <(sipp_summary "$dir" "$calls" join)
  good=${s[successful]:-0}
  row=$(python3 -c "
n, c, secs, good = $n1 - $n0, $c1 - $c0, $t1 - $t0, max(1, $good)
print('%.1f %.2f %.2f %.0f %.0f' % ($good / $duration, n / 100 / secs, c / 100 / secs, n * 1e4 / good, c * 1e4 / good))")
  read -r tput cn cc un uc <<<"$row"
  printf "%-6s %-7s %-7s %-6s %-5s %-7s %-6s %-6s %-6s %-6s %-5s %-5s %-6s %-6s %s\n" \
      "$rate" "$tput" "$good" "${s[failed]:--}" "${s[unanswered]:--}" "${s[retransmissions]:--}" \
      "${s[join_p50_ms]:-${s[p50_ms]:--}}" "${s[join_p90_ms]:-${s[p90_ms]:--}}" "${s[join_p99_ms]:-${s[p99_ms]:--}}" \
      "${s[join_max_ms]:-${s[max_ms]:--}}" "$cn" "$cc" "$un" "$uc" \
      "${s[failure_reasons]:--}$([ "${s[complete]:-NO}" = yes ] || echo " INCOMPLETE(rc ${s[sipp_rc]:-?})")" | tee -a "$summary"
  if [ "${s[complete]:-NO}" = yes ] && [ "${s[unanswered]:-1}" = 0 ] && python3 -c "
import sys; ok, failed = $good, ${s[failed]:-1}
sys.exit(0 if ok + failed > 0 and failed * 1000 < ok + failed and ok >= 0.98 * $calls else 1)" 2>/dev/null; then
    best="$rate (joins/s $tput, p99 ${s[join_p99_ms]:-${s[p99_ms]:-?}} ms)"
  fi
  sleep $((hold / 1000 + 3)) # the last legs end before the next step
done
echo "focus events: $(curl -sf "http://127.0.0.1:$admin_port/metrics" | grep '^switchboard_conference_events_total' | sed 's/switchboard_conference_events_total//' | tr '\n' ' ')" | tee -a "$summary"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
echo "highest offered rate with >= 98% of the joins done, < 0.1% failed, 0 unanswered: ${best:-none}" | tee -a "$summary"
