#!/usr/bin/env bash
# Call park (issue 13 item 9): parks + retrieves per second with music on hold, and heap per parked
# call, against one node started here (bench/bench.conf on ports of its own, SIP on 127.0.0.71:35060,
# admin 38080, cluster 32551, Cassandra 39042/37000, data in bench/out/park/data, so it runs beside
# another bench or a quick-start node). The client is pool-node's ParkBench (test classes): each
# flow parks bob's call (INVITE to sip:park@example.test with Referred-By carol, digest, 200, ACK),
# reads the orbit from carol's MESSAGE, holds with music for --hold-ms, retrieves it as alice
# (INVITE to the orbit, digest; the node re-INVITEs bob, who answers), and hangs up. One range
# "#1000-#9999" with a 10 min pickup timeout, so no ring-back fires during a run.
#
# usage: bench/park-bench.sh [-r "RATES"] [-d SECONDS] [-H HOLD_MS] [-m PARKED_FOR_MEMORY] [-s SETTLE_S]
# Build first: mvn -B -q -DskipTests install -pl pool-node -am  (the jar, its lib/ and the test classes)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=bench/lib.sh
source bench/lib.sh

rates="5 10 20 40 80"; duration=20; hold=2000; memory=1000; settle=35
while getopts "r:d:H:m:s:" o; do
  case $o in r) rates=$OPTARG;; d) duration=$OPTARG;; H) hold=$OPTARG;; m) memory=$OPTARG;; s) settle=$OPTARG;; *) exit 2;; esac
done

out="bench/out/park"
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.txt"
bench_data="$out/data"
bench_config="$out/node.conf"
cat > "$bench_config" <<EOF
include file("$here/bench/bench.conf")
switchboard {
  node.data-dir = "$here/$bench_data"
  cluster { port = 32551, seed-nodes = ["127.0.0.1:32551"] }
  sip { bind-address = "127.0.0.71", udp-port = 35060, tcp-port = 35060 }
  admin.port = 38080
  storage.embedded { native-port = 39042, storage-port = 37000 }
}
EOF
trap 'stop_node' EXIT
trap 'exit 130' INT TERM

{
  echo "# bench/park-bench.sh -r \"$rates\" -d $duration -H $hold -m $memory -s $settle"
  describe_machine
  echo "uptime:  $(uptime)"
} | tee "$summary"

start_node "$out/node.log"
echo "node:    pid $node_pid, Cassandra pid $cassandra_pid, SIP udp 127.0.0.71:$sip_port" | tee -a "$summary"
curl -sf -X POST -H "Authorization: Bearer switchboard-demo-admin-token" -H "Content-Type: application/json" \
  -d '{"name":"bench","range":"#1000-#9999","pickupTimeout":600}' \
  "http://127.0.0.1:$admin_port/api/park/orbits" > /dev/null \
  || { echo "could not add the orbit range" >&2; exit 1; }

java -Xmx512m -cp "pool-node/target/test-classes:pool-node/target/classes:pool-node/target/lib/*" \
  io.switchboard.node.ParkBench --host 127.0.0.71 --port "$sip_port" --rates "$rates" --duration "$duration" \
  --hold-ms "$hold" --memory "$memory" --settle "$settle" --pids "node:$node_pid,cassandra:$cassandra_pid" \
  --out "$out" 2>"$out/client.err" | tee -a "$summary"
{
  echo "node counters: $(curl -sf "http://127.0.0.1:$admin_port/metrics" | grep '^switchboard_park_requests_total' | tr '\n' ' ')"
  echo "uptime after: $(uptime)"
} | tee -a "$summary"
