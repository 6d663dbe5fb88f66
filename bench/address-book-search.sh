#!/usr/bin/env bash
# Address book search bench (issue 14, item 9): search p99 at 50 queries/s over 100,000 entries, with
# the nodes as processes of their own, so the figure is the node's and not the garbage collector of a
# test JVM that also holds an LDAP directory and a second node (bench/RESULTS.md).
#
# 1. writes a directory of N generated people as CSV (the same people, numbers and query mix as
#    pool-node's AddressBookPoolTest, which reads them from LDAP) and a rules file (0 + 9 digits ->
#    +31); starts node 1 with its embedded Cassandra on the bench.conf ports and, with --nodes 2, a
#    second node on node 1's Cassandra; imports one user (alice) to search as;
# 2. runs `bin/switchboard address-book sync --now` on node 1 (timed), then one search per node so
#    each builds its index before the clock starts;
# 3. waits up to 90 s for Cassandra to finish compacting after the import (its CPU under 10% of a
#    core), then warms up: WARMUP searches at RATE from the same client JVM, not counted (a fresh
#    JVM, the node's or the client's, spends its first seconds compiling: ~3 s of the node's CPU for
#    the JIT compiler in a 2,000-search run);
# 4. sends COUNT searches at RATE per second, open loop, round robin over the nodes, each with HTTP
#    Digest on a nonce the client holds (pool-node's OpenLoopSearches, run from the test classes);
#    latency runs from each query's scheduled time;
# 5. prints the client's p50/p90/p99/max, each node's own search histogram (request at the search
#    route to answer), the nodes' GC pauses during the run (-Xlog:gc), CPU of nodes and Cassandra.
#
# --jfr profiles node 1 during the searches (hottest frames in jfr-top.txt). --pcap records the
# measured searches on lo with tcpdump and prints each request's time on the wire, from its first
# segment to its response's first and last (bench/http-wire-times.py): the server's share of the
# client's figure, TCP included.
#
# Results: bench/out/address-book-search/summary.txt, ending with the client's RESULT line.
# Build first: mvn -B -q -DskipTests package (compiles the test classes too).
#
# usage: bench/address-book-search.sh [-n ENTRIES] [--nodes 1|2] [-q RATE] [-c COUNT] [-w WARMUP] [--jfr] [--pcap]
#   defaults: -n 100000 --nodes 2 -q 50 -c 1000 -w 1500
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=bench/lib.sh
source bench/lib.sh

entries=100000; nodes=2; rate=50; count=1000; warmup=1500; jfr=no; pcap=no
usage() { sed -n '/^# usage:/,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -n) entries=$2; shift 2;;
    --nodes) nodes=$2; shift 2;;
    -q) rate=$2; shift 2;;
    -c) count=$2; shift 2;;
    -w) warmup=$2; shift 2;;
    --jfr) jfr=yes; shift;;
    --pcap) pcap=yes; shift;;
    *) usage;;
  esac
done
[[ "$entries" =~ ^[0-9]+$ && "$rate" =~ ^[0-9]+$ && "$count" =~ ^[0-9]+$ && "$warmup" =~ ^[0-9]+$ ]] || usage
[ "$nodes" = 1 ] || [ "$nodes" = 2 ] || usage
[ -d pool-node/target/test-classes/io/switchboard/node ] && [ -d pool-node/target/lib ] \
  || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 2; }

out="bench/out/address-book-search"
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.txt"

# The generated directory: person i as AddressBookPoolTest's LDAP entry (Given000042 Surname000042,
# u000042@example.test, office 020 55 + 5 digits, a mobile that stays hidden by default).
awk -v n="$entries" 'BEGIN {
  print "display-name,given-name,surname,mail,telephone,mobile,department,title"
  for (i = 0; i < n; i++) {
    p = sprintf("%06d", i)
    printf "Given%s Surname%s,Given%s,Surname%s,u%s@example.test,020 55%05d,06 1%07d,Department %d,Engineer\n",
      p, p, p, p, p, i, i, i % 50
  }
}' > "$out/directory.csv"
printf '%s\n' '^0(\d{9})$ -> +31$1' > "$out/rules.txt"

# Each node logs its GC pauses, to tell a pause from the search's own cost.
export SWITCHBOARD_JAVA_OPTS="${SWITCHBOARD_JAVA_OPTS:--Xms512m -Xmx1g} -Xlog:gc:file=$here/$out/gc-%p.log"
cat > "$out/node1.conf" <<EOF
include file("$here/bench/bench.conf")
switchboard {
  address-book {
    source = csv
    csv.file = "$here/$out/directory.csv"
    rules-file = "$here/$out/rules.txt"
    # only the sync this script starts
    first-sync-delay = 1d
  }
}
EOF
bench_config="$out/node1.conf"
trap 'stop_pool' EXIT
trap 'exit 130' INT TERM

{
  echo "# bench/address-book-search.sh -n $entries --nodes $nodes -q $rate -c $count -w $warmup$([ $jfr = yes ] && echo ' --jfr')"
  describe_machine
} | tee "$summary"

start_node "$out/node1.log"
if [ "$nodes" = 2 ]; then
  cat > "$out/node2.conf" <<EOF
# Node 2: same cluster (seed node 1), node 1's Cassandra, same directory source.
include file("$here/$out/node1.conf")
switchboard {
  node { id = "node-2", data-dir = "$here/$out/data-node2" }
  cluster { port = 12552, seed-nodes = ["127.0.0.1:12551"] }
  sip { udp-port = 15062, tcp-port = 15062 }
  admin.port = 18082
  storage {
    mode = "external"
    external { contact-points = ["127.0.0.1:19042"], local-dc = "dc1" }
  }
}
EOF
  start_pool_node "$out/node2.conf" "$out/node2.log"
fi
for k in "${!pool_pids[@]}"; do
  echo "node-$((k + 1)): pid ${pool_pids[$k]}, admin ${pool_admin_ports[$k]}" | tee -a "$summary"
done

printf 'uri,password,display_name,phone\nsip:alice@example.test,alice-secret,Alice,\n' > "$out/users.csv"
import_users "$out/users.csv" 1 | tee -a "$summary"

t0=$(date +%s.%N)
bin/switchboard address-book sync --now --config "$bench_config" > "$out/sync.txt" 2>&1 \
  || { echo "sync failed:" >&2; tail -20 "$out/sync.txt" >&2; exit 1; }
t1=$(date +%s.%N)
{
  tail -8 "$out/sync.txt"
  echo "sync --now of $entries entries: $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s"
} | tee -a "$summary"

bases=""
for port in "${pool_admin_ports[@]}"; do
  # the first search on a node builds its index (seconds); it is not part of the figure
  curl -sf --digest -u alice:alice-secret "http://127.0.0.1:$port/user/address-book/search?q=Given000001" >/dev/null
  bases="${bases:+$bases,}http://127.0.0.1:$port"
done

search_load() { # count seed warmup
  java -Xmx256m -cp "pool-node/target/test-classes:pool-node/target/classes:pool-node/target/lib/*" \
      io.switchboard.node.OpenLoopSearches --bases "$bases" --user alice --password alice-secret \
      --people "$entries" --count "$1" --rate "$rate" --seed "$2" --warmup "$3" --pause-ms 3000
}
hz=$(getconf CLK_TCK)
for i in $(seq 1 45); do
  c0=$(cpu_ticks "$cassandra_pid"); sleep 2; c1=$(cpu_ticks "$cassandra_pid")
  [ $(( (c1 - c0) * 100 / (2 * hz) )) -lt 10 ] && break
done
echo "Cassandra quiet (under 10% of a core) after $((i * 2)) s" | tee -a "$summary"

histogram() { # the node's search latency buckets, cumulative
  curl -sf "http://127.0.0.1:$1/metrics" | grep '^switchboard_address_book_search_latency_seconds_bucket' \
    | sed -E 's/.*le="([^"]+)".* ([0-9.E+]+)$/\1 \2/'
}
# The client warms up first (same JVM), then pauses 3 s: the readings below are taken in that pause.
rc=0
search_load "$count" 14 "$warmup" > "$out/client.txt" 2>&1 &
client_pid=$!
if [ "$warmup" -gt 0 ]; then
  for i in $(seq 1 $(( warmup / rate + 120 ))); do
    grep -q '^warm-up, not counted' "$out/client.txt" 2>/dev/null && break
    kill -0 "$client_pid" 2>/dev/null || break
    sleep 1
  done
  echo "$(grep -m1 '^warm-up' "$out/client.txt")" | tee -a "$summary"
fi
for k in "${!pool_admin_ports[@]}"; do histogram "${pool_admin_ports[$k]}" > "$out/hist-before-$k.txt"; done
gc_lines=()
for k in "${!pool_pids[@]}"; do gc_lines+=("$(cat "$out"/gc-"${pool_pids[$k]}".log 2>/dev/null | wc -l)"); done
cpu0=(); for pid in "${pool_pids[@]}" "$cassandra_pid"; do cpu0+=("$(cpu_ticks "$pid")"); done
# per-thread CPU before and after, to tell the search's threads from the JIT compiler and the GC
threads() { for t in /proc/"$1"/task/*; do
  echo "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null) $(tr ' ' _ < "$t/comm")"; done; }
for k in "${!pool_pids[@]}"; do threads "${pool_pids[$k]}" > "$out/threads-before-$k.txt"; done
[ "$jfr" = yes ] && jcmd "$node_pid" JFR.start name=bench settings=profile filename="$here/$out/node.jfr" >/dev/null
echo "load before the searches: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"

if [ "$pcap" = yes ]; then
  ports=$(IFS=,; echo "${pool_admin_ports[*]}")
  tcpdump -i lo -s 128 -w "$out/searches.pcap" "tcp and ($(sed 's/,/ or /g; s/[0-9]\+/port &/g' <<<"$ports"))" \
      > "$out/tcpdump.txt" 2>&1 &
  tcpdump_pid=$!
  sleep 1
fi
wait "$client_pid" || rc=$?

echo "load after the searches: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
if [ "$pcap" = yes ]; then
  sleep 1; kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true
  echo "on the wire (request's first segment to the response's first and last):" | tee -a "$summary"
  python3 bench/http-wire-times.py "$out/searches.pcap" "$ports" | sed 's/^/  /' | tee -a "$summary"
fi
if [ "$jfr" = yes ]; then
  jcmd "$node_pid" JFR.stop name=bench >/dev/null
  python3 bench/jfr-top.py "$out/node.jfr" 40 > "$out/jfr-top.txt" 2>&1 || true
  echo "profile: $out/node.jfr, hottest frames in $out/jfr-top.txt" | tee -a "$summary"
fi
i=0
for pid in "${pool_pids[@]}" "$cassandra_pid"; do
  name=$([ "$pid" = "$cassandra_pid" ] && echo cassandra || echo "node-$((i + 1))")
  echo "cpu $name: $(( ($(cpu_ticks "$pid") - cpu0[i]) * 1000 / $(getconf CLK_TCK) )) ms during the searches" | tee -a "$summary"
  i=$((i + 1))
done
for k in "${!pool_admin_ports[@]}"; do
  threads "${pool_pids[$k]}" > "$out/threads-after-$k.txt"
  echo "node-$((k + 1)) CPU by thread group during the searches (ms):" | tee -a "$summary"
  awk -v hz="$(getconf CLK_TCK)" 'NR == FNR {b[$2] += $1; next} {a[$2] += $1}
      END {for (t in a) {g = t; gsub(/[0-9]+/, "N", g); d[g] += a[t] - b[t]}
           for (g in d) if (d[g] > 0) printf "  %6d %s\n", d[g] * 1000 / hz, g}' \
      "$out/threads-before-$k.txt" "$out/threads-after-$k.txt" | sort -rn | head -8 | tee -a "$summary"
  histogram "${pool_admin_ports[$k]}" > "$out/hist-after-$k.txt"
  echo "node-$((k + 1)) search latency at the route (le seconds: searches during the run):" | tee -a "$summary"
  awk 'NR == FNR {before[$1] = $2; next} {printf "  le %s: %d\n", $1, $2 - before[$1]}' \
    "$out/hist-before-$k.txt" "$out/hist-after-$k.txt" | tee -a "$summary"
  log="$out/gc-${pool_pids[$k]}.log"
  # pauses logged after the run started: "[..][info][gc] GC(12) Pause Young (Normal) ... 12.345ms"
  { tail -n +"$((gc_lines[k] + 1))" "$log" 2>/dev/null | grep -o 'Pause[^)]*) .* [0-9.]*ms$' || true; } \
    | awk '{ms = $NF; sub("ms", "", ms); n++; s += ms; if (ms > m) m = ms}
           END {printf "  GC pauses during the run: %d, total %.1f ms, longest %.1f ms\n", n, s, m}' \
    | tee -a "$summary"
done
tee -a "$summary" < "$out/client.txt"
exit "$rc"
