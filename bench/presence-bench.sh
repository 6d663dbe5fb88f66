#!/usr/bin/env bash
# Presence bench (issue 4): one node with its embedded Cassandra, everything on this machine, SIP on
# 127.0.0.1 only; the load is bench/presence/PresenceBench.java (JDK only, run from source). See
# bench/README.md.
#
# 1. starts a node with bench/bench.conf on an empty data folder, on its own ports (SIP 25060,
#    admin 28080, cluster 22551, Cassandra 29042/27000) so it can run while another checkout's
#    register or proxy bench uses the bench.conf ports; imports N users (bench/make-users.sh);
# 2. runs PresenceBench MODE against it (its options after --), optionally under a JFR recording
#    of the node (--jfr: hottest frames in jfr-top.txt);
# 3. records the load average before and after, and the CPU (cores) the node, Cassandra and the
#    bench client used during the run; stops the node (and its Cassandra) by pid.
#
# Results: bench/out/presence-MODE/summary.txt (report, then the RESULT line with cpu= fields).
#
# usage: bench/presence-bench.sh [-n USERS] [--jfr] MODE [-- PresenceBench options]
#   e.g. bench/presence-bench.sh -n 1001 fanout -- --watchers 1000 --publishes 20
#        bench/presence-bench.sh -n 10000 lists -- --users 10000 --contacts 50
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=bench/lib.sh
source bench/lib.sh

users=""; jfr=no; mode=""
usage() { sed -n '/^# usage:/,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -n) users=$2; shift 2;;
    --jfr) jfr=yes; shift;;
    --) shift; break;;
    -*) usage;;
    *) [ -z "$mode" ] || usage; mode=$1; shift;;
  esac
done
case $mode in
  fanout) users=${users:-1001};;
  notify-rate) users=${users:-520};;
  flows) users=${users:-2000};;
  lists) users=${users:-10000};;
  *) usage;;
esac

out="bench/out/presence-$mode"
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.txt"
# bench.conf on other ports (see the head of this file)
cat > "$out/node.conf" <<EOF
include file("$here/bench/bench.conf")
switchboard {
  cluster { port = 22551, seed-nodes = ["127.0.0.1:22551"] }
  sip { udp-port = 25060, tcp-port = 25060 }
  admin.port = 28080
  storage.embedded { native-port = 29042, storage-port = 27000 }
  # every simulated phone sends from 127.0.0.1: the per-source cap on new subscriptions (meant
  # for one office behind one address) would measure itself instead of the presence server
  presence.limits { new-dialogs-per-second = 1000000, new-dialogs-burst = 1000000 }
}
EOF
bench_config="$out/node.conf"
trap 'stop_node' EXIT
trap 'exit 130' INT TERM

{
  echo "# bench/presence-bench.sh -n $users $([ $jfr = yes ] && echo '--jfr ')$mode -- $*"
  describe_machine
} | tee "$summary"

bench/make-users.sh "$users" "$out" example.test
start_node "$out/node.log"
echo "node:    pid $node_pid, Cassandra pid $cassandra_pid, SIP udp 127.0.0.1:$sip_port, admin $admin_port" | tee -a "$summary"
import_users "$out/users.csv" "$users" | tee -a "$summary"

[ "$jfr" = yes ] && jcmd "$node_pid" JFR.start name=bench settings=profile filename="$here/$out/node.jfr" >/dev/null
echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
n0=$(cpu_ticks "$node_pid"); c0=$(cpu_ticks "$cassandra_pid"); t0=$(date +%s.%N)
rc=0
/usr/bin/time -f '%U %S' -o "$out/client.time" \
    java -Xmx2g bench/presence/PresenceBench.java "$mode" --port "$sip_port" --cpu-pids "node:$node_pid,cassandra:$cassandra_pid" "$@" 2>&1 | tee "$out/client.txt" | tee -a "$summary" || rc=$?
t1=$(date +%s.%N); n1=$(cpu_ticks "$node_pid"); c1=$(cpu_ticks "$cassandra_pid")
if [ "$jfr" = yes ]; then
  jcmd "$node_pid" JFR.stop name=bench >/dev/null || true
  python3 bench/jfr-top.py "$out/node.jfr" 40 > "$out/jfr-top.txt" 2>&1 || true
  echo "profile: $out/node.jfr, hottest frames in $out/jfr-top.txt" | tee -a "$summary"
fi
secs=$(python3 -c "print($t1 - $t0)")
cpu=$(python3 -c "
u, s = open('$out/client.time').read().split()[-2:]
print('cpu_node=%.2f cpu_cassandra=%.2f cpu_client=%.2f secs=%.0f' % (($n1 - $n0) / 100 / $secs, ($c1 - $c0) / 100 / $secs, (float(u) + float(s)) / $secs, $secs))")
echo "cores used over the whole client run (incl. setup): $cpu" | tee -a "$summary"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
grep -c ' ERROR \| WARN ' "$out/node.log" | sed 's/^/node log ERROR+WARN lines: /' | tee -a "$summary" || true
node_alive || echo "node is gone (see $out/node.log)" | tee -a "$summary"
echo "client exit: $rc" | tee -a "$summary"
exit "$rc"
