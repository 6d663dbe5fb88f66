#!/usr/bin/env bash
# REGISTER + digest throughput against a one-node pool on the embedded Cassandra, all on this machine.
# Starts the node (bench/bench.conf), imports N users, ramps SIPp through the given rates and prints,
# per rate, completed flows/s, failures and p50/p99 latency of the whole flow (REGISTER..401..REGISTER..200);
# the last line names the highest rate with < 0.1% failed flows.
#
# usage: bench/register-bench.sh [-t udp|tcp] [-n USERS] [-d SECONDS_PER_STEP] [-r "RATE RATE ..."]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
transport=udp; users=10000; step=10; rates="500 1000 2000 3000 4000 5000"
while getopts "t:n:d:r:" o; do case $o in t) transport=$OPTARG;; n) users=$OPTARG;; d) step=$OPTARG;; r) rates=$OPTARG;; *) exit 2;; esac; done
out="bench/out/register-$transport"
rm -rf "$out" && mkdir -p "$out"
bench/make-users.sh "$users" "$out" example.test

node_pid=""
cleanup() { [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true; }
trap cleanup EXIT
bin/switchboard start --config bench/bench.conf > "$out/node.log" 2>&1 &
node_pid=$!
for i in $(seq 1 180); do
  curl -sf http://127.0.0.1:8080/health/ready >/dev/null 2>&1 && break
  kill -0 "$node_pid" 2>/dev/null || { echo "node died:"; tail -40 "$out/node.log"; exit 1; }
  sleep 1
done
bin/switchboard user import "$out/users.csv" --config bench/bench.conf | head -1

case $transport in udp) tflag=u1;; tcp) tflag=t1;; *) echo "transport udp or tcp"; exit 2;; esac
printf "%-8s %-10s %-8s %-8s %-9s %-9s\n" rate flows/s ok failed p50_ms p99_ms
best=""
for rate in $rates; do
  calls=$((rate * step))
  dir="$out/r$rate"; mkdir -p "$dir"
  start=$(date +%s.%N)
  (cd "$dir" && sipp 127.0.0.1:5060 -sf "$here/bench/sipp/register-digest.xml" -inf "$here/$out/users.sipp.csv" \
      -t "$tflag" -r "$rate" -m "$calls" -l $((rate * 2)) -max_socket 100 -nostdin -bg -trace_stat -stf stats.csv \
      -trace_rtt -rtt_freq 1 -trace_err -timeout $((step * 3 + 30))s -timeout_error >/dev/null 2>&1) || true
  # -bg returns at once; wait for this SIPp to finish
  sleep 1
  while pgrep -f "register-digest.xml.*-r $rate " >/dev/null; do sleep 0.5; done
  end=$(date +%s.%N)
  stats=$(tail -1 "$dir"/stats.csv 2>/dev/null || true)
  header=$(head -1 "$dir"/stats.csv 2>/dev/null || true)
  ok=$(python3 - "$header" "$stats" <<'PY'
import sys
h=sys.argv[1].split(';'); v=sys.argv[2].split(';')
d=dict(zip(h,v)); print(d.get('SuccessfulCall(C)','0'), d.get('FailedCall(C)','0'))
PY
)
  read -r succ fail <<<"$ok"
  lat=$(cat "$dir"/*_rtt.csv 2>/dev/null | python3 -c '
import sys
v=sorted(float(l.split(";")[1]) for l in sys.stdin if l[:1].isdigit())
print("%.2f %.2f" % (v[len(v)//2], v[min(len(v)-1,int(len(v)*0.99))]) if v else "- -")')
  read -r p50 p99 <<<"$lat"
  secs=$(python3 -c "print(max(0.001, $end - $start - 1))")
  tput=$(python3 -c "print(int(${succ:-0} / $secs))")
  printf "%-8s %-10s %-8s %-8s %-9s %-9s\n" "$rate" "$tput" "$succ" "$fail" "$p50" "$p99"
  total=$((succ + fail))
  if [ "$total" -gt 0 ] && [ $((fail * 1000)) -lt "$total" ]; then best="$rate (flows/s $tput, p50 ${p50} ms, p99 ${p99} ms)"; fi
done
echo "highest rate with < 0.1% failed flows over $transport: ${best:-none}"
