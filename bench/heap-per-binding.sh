#!/usr/bin/env bash
# Heap held per registration binding: starts a node (bench/bench.conf, empty data folder), imports N
# users, takes a live-object class histogram (jcmd GC.class_histogram runs a full GC first), registers
# every user once with SIPp at a rate the node sustains, checks the node holds N bindings, takes the
# histogram again and reports (live heap after - before) / bindings, plus the classes that grew most.
# Entities with bindings never passivate (sharding passivation is off; only empty entities stop), so
# everything a binding costs is in the second histogram.
#
# The second histogram waits (-s, default 330 s) until what a REGISTER leaves behind for a while is
# gone: JAIN-SIP's server transactions (32 s after the final response), the account cache (30 s),
# the presentity entity each registration wakes (it passivates when idle) and the digest nonce
# counts (the nonce lifetime, 5 min). Those are per-request, not per-binding, memory; with a
# shorter -s the nonce counts left are listed separately (bench/RESULTS.md: 2,726 B at -s 40 against
# 2,048 B at -s 330).
#
# usage: bench/heap-per-binding.sh [-n USERS] [-r RATE] [-t udp|tcp] [-s SETTLE_SECONDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=bench/lib.sh
source bench/lib.sh

users=100000; rate=1000; transport=udp; settle=330
while getopts "n:r:t:s:" o; do
  case $o in n) users=$OPTARG;; r) rate=$OPTARG;; t) transport=$OPTARG;; s) settle=$OPTARG;; *) exit 2;; esac
done
case $transport in udp) tflag=u1;; tcp) tflag=t1;; *) echo "transport: udp or tcp" >&2; exit 2;; esac

out="bench/out/heap"
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.txt"
trap 'stop_node' EXIT
trap 'exit 130' INT TERM

{
  echo "# bench/heap-per-binding.sh -n $users -r $rate -t $transport -s $settle"
  describe_machine
} | tee "$summary"

bench/make-users.sh "$users" "$out" example.test
start_node "$out/node.log"
echo "node:    pid $node_pid, Cassandra pid $cassandra_pid, SIP $transport 127.0.0.1:$sip_port" | tee -a "$summary"
import_users "$out/users.csv" "$users" | tee -a "$summary"

# Live objects only: GC.class_histogram runs a full GC before counting.
histogram() {
  jcmd "$node_pid" GC.class_histogram > "$1"
  jcmd "$node_pid" GC.heap_info > "$1.heap_info"
}
total_bytes() { awk '/^Total/ {print $3}' "$1"; }

sleep 5
histogram "$out/histo-before.txt"
before=$(total_bytes "$out/histo-before.txt")
bindings_before=$(metric switchboard_active_bindings)
echo "before:  live heap $before bytes, $bindings_before bindings" | tee -a "$summary"

run_sipp "$out/register" $((users / rate * 3 + 120)) 127.0.0.1:"$sip_port" -sf "$here/bench/sipp/register-digest.xml" \
    -inf "$here/$out/users.sipp.csv" -t "$tflag" -r "$rate" -m "$users" -l $((rate * 2)) \
    -recv_timeout 5000 -timeout $((users / rate * 3 + 60))s
sipp_summary "$out/register" "$users" > "$out/register/summary.txt"
grep -E '^(successful|failed|unanswered|flows_per_s|p50_ms|p99_ms|failure_reasons)=' "$out/register/summary.txt" \
    | tr '\n' ' ' | sed 's/^/sipp:    /; s/ $/\n/' | tee -a "$summary"

sleep "$settle"
histogram "$out/histo-after.txt"
after=$(total_bytes "$out/histo-after.txt")
bindings=$(metric switchboard_active_bindings)
echo "after:   live heap $after bytes, $bindings bindings" | tee -a "$summary"
grep -E 'garbage-first heap|region size' "$out/histo-after.txt.heap_info" | sed 's/^ */heap:    /' | tee -a "$summary"

python3 - "$out/histo-before.txt" "$out/histo-after.txt" "$before" "$after" "$((bindings - bindings_before))" <<'PY' | tee -a "$summary"
import re, sys
def read(path):
    d = {}
    for l in open(path):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', l)
        if m:
            n, b, cls = int(m.group(1)), int(m.group(2)), m.group(3)
            c = d.setdefault(cls, [0, 0]); c[0] += n; c[1] += b
    return d
before, after = read(sys.argv[1]), read(sys.argv[2])
total0, total1, bindings = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
if bindings <= 0:
    print("no bindings were added: nothing to divide by"); sys.exit(1)
delta = total1 - total0
print("result:  %d bytes of live heap more for %d bindings = %.0f bytes per binding" % (delta, bindings, delta / bindings))
rows = []
for cls in set(before) | set(after):
    n0, b0 = before.get(cls, [0, 0]); n1, b1 = after.get(cls, [0, 0])
    rows.append((b1 - b0, n1 - n0, cls))
rows.sort(reverse=True)
print("\nclasses that grew most (bytes and instances per binding):")
print("%12s %12s %8s %8s  %s" % ("bytes", "instances", "B/bind", "n/bind", "class"))
for db, dn, cls in rows[:25]:
    print("%12d %12d %8.1f %8.2f  %s" % (db, dn, db / bindings, dn / bindings, cls))
print("\nper-request state still present (instances after - before):")
for cls, what in (("gov.nist.javax.sip.stack.SIPServerTransactionImpl", "JAIN-SIP server transactions (live 32 s)"),
                  ("io.switchboard.accounts.store.CachingAccountStore$Entry", "account cache entries (TTL 30 s)"),
                  ("io.switchboard.sip.auth.NonceService$Seen", "digest nonce counts (nonce lifetime)")):
    print("%12d  %s" % (after.get(cls, [0, 0])[0] - before.get(cls, [0, 0])[0], what))
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
