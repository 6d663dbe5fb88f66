# Shared helpers for the bench scripts (sourced, not run). Expects $here = checkout root, cwd = $here.
#
# Every process a bench starts is tracked by pid and stopped by pid: other people's nodes, tests and
# SIPp runs may share this machine, so nothing here kills by name.

bench_config="${BENCH_CONFIG:-bench/bench.conf}"
# The data folder bench/bench.conf names; wiped at each node start so every run begins empty.
bench_data="bench/out/data"

node_pid=""
cassandra_pid=""
sip_port=""
admin_port=""

# Machine, load and build, for the head of every result file.
describe_machine() {
  echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "host:    $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo)"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) before the run"
  echo "java:    $(java -version 2>&1 | head -1)"
  echo "sipp:    $(sipp -v 2>&1 | grep -m1 -o 'SIPp v[^ ]*')"
  echo "commit:  $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "node:    SWITCHBOARD_JAVA_OPTS=${SWITCHBOARD_JAVA_OPTS:-(default -Xms2g -Xmx2g -XX:MaxGCPauseMillis=10)} config $bench_config"
}

# Starts a node on a fresh data folder and waits until it is ready; sets node_pid, cassandra_pid,
# sip_port, admin_port (read from the node's own "up" log line, so they are what it really bound).
start_node() {
  local log="$1"
  rm -rf "$bench_data"
  bin/switchboard start --config "$bench_config" > "$log" 2>&1 &
  node_pid=$!
  local i line
  for i in $(seq 1 240); do
    line=$(grep -m1 ' up: SIP udp ' "$log" 2>/dev/null || true)
    [ -n "$line" ] && break
    if ! kill -0 "$node_pid" 2>/dev/null; then
      echo "node exited during start (port in use, or killed by someone else?):" >&2
      grep -v 'TLS\|truststore\|keystore\|security policy' "$log" | tail -30 >&2
      node_pid=""
      return 1
    fi
    sleep 0.5
  done
  [ -n "$line" ] || { echo "node not up after 120 s" >&2; return 1; }
  sip_port=$(sed -E 's/.*SIP udp [0-9.]+:([0-9]+).*/\1/' <<<"$line")
  admin_port=$(sed -E 's#.*admin http://[0-9.]+:([0-9]+)/.*#\1#' <<<"$line")
  for i in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$admin_port/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$admin_port/health/ready" >/dev/null || { echo "node not ready" >&2; return 1; }
  cassandra_pid=$(ps -o pid= --ppid "$node_pid" | tr -d ' ' | head -1)
  pool_pids=("$node_pid"); pool_sip_ports=("$sip_port"); pool_admin_ports=("$admin_port")
}

stop_node() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill "$node_pid" 2>/dev/null || true
    local i
    for i in $(seq 1 90); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$node_pid" 2>/dev/null && kill -9 "$node_pid" 2>/dev/null
  fi
  # The embedded Cassandra exits when its parent's pipe closes; make sure of it.
  if [ -n "$cassandra_pid" ]; then
    local i
    for i in $(seq 1 60); do kill -0 "$cassandra_pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$cassandra_pid" 2>/dev/null && kill -9 "$cassandra_pid" 2>/dev/null
  fi
  node_pid=""; cassandra_pid=""
}

# Starts one more node of the pool (a config with storage.mode = "external" on the first node's
# Cassandra, seed = the first node), after start_node. Appends its pid, SIP and admin ports to
# pool_pids, pool_sip_ports, pool_admin_ports (index 0 is the first node, filled by start_node).
pool_pids=(); pool_sip_ports=(); pool_admin_ports=()
start_pool_node() {
  local config="$1" log="$2" pid line i
  bin/switchboard start --config "$config" > "$log" 2>&1 &
  pid=$!
  for i in $(seq 1 240); do
    line=$(grep -m1 ' up: SIP udp ' "$log" 2>/dev/null || true)
    [ -n "$line" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "node ($config) exited during start:" >&2; tail -30 "$log" >&2; return 1; }
    sleep 0.5
  done
  [ -n "$line" ] || { echo "node ($config) not up after 120 s" >&2; kill "$pid"; return 1; }
  local sport aport
  sport=$(sed -E 's/.*SIP udp [0-9.]+:([0-9]+).*/\1/' <<<"$line")
  aport=$(sed -E 's#.*admin http://[0-9.]+:([0-9]+)/.*#\1#' <<<"$line")
  for i in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$aport/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  pool_pids+=("$pid"); pool_sip_ports+=("$sport"); pool_admin_ports+=("$aport")
}

# Stops the nodes start_pool_node started (by pid), then the first node and its Cassandra.
stop_pool() {
  local i pid
  for ((i = ${#pool_pids[@]} - 1; i >= 1; i--)); do
    pid=${pool_pids[$i]}
    kill "$pid" 2>/dev/null || true
  done
  for ((i = ${#pool_pids[@]} - 1; i >= 1; i--)); do
    pid=${pool_pids[$i]}
    local j
    for j in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  done
  pool_pids=("${pool_pids[@]:0:1}")
  stop_node
}

# Like metric, on the node whose admin port is $1.
metric_at() {
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" 'index($0, m) == 1 {s += $NF} END {printf "%d\n", s}'
}

node_alive() {
  [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null
}

# utime+stime of a process in clock ticks (0 if gone).
cpu_ticks() {
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
  # fields after the ")" of the command name: state is field 3, utime 14, stime 15
  sed -E 's/^.*\) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

# utime+stime of a process and of all its descendants, plus what it has reaped of children that
# already exited (cutime+cstime), in clock ticks (0 if gone): for servers that fork workers
# (Kamailio, PostgreSQL), whose CPU is spread over many processes.
tree_cpu_ticks() {
  local pid="${1:-}" total child
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo 0; return; }
  # fields after the ")" of the command name: utime 14, stime 15, cutime 16, cstime 17
  total=$(sed -E 's/^.*\) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13 + $14 + $15}')
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    total=$(( ${total:-0} + $(tree_cpu_ticks "$child") ))
  done
  echo "${total:-0}"
}

# Sum of one node metric over all label sets matching a regex, e.g. metric 'switchboard_register_requests_total{status="200"'
metric() {
  curl -sf "http://127.0.0.1:$admin_port/metrics" | awk -v m="$1" 'index($0, m) == 1 {s += $NF} END {printf "%d\n", s}'
}

# The node's switchboard_sip_shed_total by reason, one "reason count" per line (for shed_delta);
# $1: its admin port (default: the node start_node started).
shed_counts() {
  curl -sf "http://127.0.0.1:${1:-$admin_port}/metrics" \
      | sed -n 's/^switchboard_sip_shed_total{reason="\([^"]*\)",*} \([0-9.E+]*\)$/\1 \2/p'
}

# What the node shed between two shed_counts outputs ($1 before, $2 after): "reason=N,..." or "-".
shed_delta() {
  python3 - "$1" "$2" <<'PY'
import sys
def parse(t):
    return {l.split()[0]: float(l.split()[1]) for l in t.splitlines() if l.strip()}
a, b = parse(sys.argv[1]), parse(sys.argv[2])
d = ['%s=%d' % (k, b[k] - a.get(k, 0)) for k in sorted(b) if b[k] - a.get(k, 0) > 0]
print(','.join(d) or '-')
PY
}

# Imports are upserts, so a failed one (a Cassandra write timeout on a busy machine) is retried.
import_users() {
  local csv="$1" expect="$2" out try
  for try in 1 2 3; do
    out=$(bin/switchboard user import "$csv" --config "$bench_config" 2>&1 | head -3 || true)
    if grep -q "^imported $expect users, 0 rows rejected" <<<"$out"; then
      echo "$out"
      return 0
    fi
    echo "user import attempt $try failed: $out" >&2
    sleep 5
  done
  return 1
}

# Runs one SIPp step in the foreground, bounded in time, in folder $1. Remaining args go to SIPp,
# after -nd (no default behaviors), so a caller's -default_behaviors turns some back on.
# -buff_size: SIPp's socket buffers at 4 MiB (the kernel caps them at net.core.rmem_max / wmem_max).
# With the default (about 200 KB), a SIPp starved of CPU by the node under test dropped 12,000-15,000
# responses a second at 8,000 REGISTER flows/s (ss -uam: drops on SIPp's socket, none on the node's),
# and those flows' retransmissions were counted against the node.
# SIPp's own CPU time (user+sys seconds) is written to $1/sipp.cpu.
run_sipp() {
  local dir="$1" limit="$2"; shift 2
  mkdir -p "$dir"
  (
    cd "$dir"
    local rc=0
    /usr/bin/time -f '%U %S' -o sipp.time timeout --kill-after=5 "$limit" sipp -nd -buff_size 4194304 "$@" -nostdin \
        -trace_stat -stf stats.csv -fd 1 -trace_rtt -rtt_freq 1 -trace_err -trace_counts \
        </dev/null > screen.txt 2>&1 || rc=$?
    echo "$rc" > sipp.rc
    awk 'END {printf "%.2f\n", $1 + $2}' sipp.time > sipp.cpu
  )
}

# One REGISTER + MD5 digest SIPp step (sipp/register-digest.xml) into folder $1 against 127.0.0.1:$2
# at $3 flows/s, $4 flows in all, users from the SIPp injection file $5 (absolute path, written by
# make-users.sh), SIPp transport flag $6 (u1 or t1). At most 2 x rate flows open; a flow whose
# answer does not come within 5 s fails (FailedTimeoutOnRecv), so a step always ends. A flow answered
# anything else (a 503 of the node's admission control) ends at once as failed
# (FailedUnexpectedMessage), as a phone stops on a 503: without abortunexp SIPp 3.6 would keep
# retransmitting that REGISTER until the 5 s timeout.
run_register_sipp() {
  local dir="$1" port="$2" rate="$3" calls="$4" inf="$5" tflag="${6:-u1}"
  run_sipp "$dir" $((calls / rate * 2 + 60)) 127.0.0.1:"$port" -sf "$here/bench/sipp/register-digest.xml" \
      -inf "$inf" -t "$tflag" -r "$rate" -m "$calls" -l $((rate * 2)) -default_behaviors abortunexp \
      -recv_timeout 5000 -timeout $((calls / rate * 2 + 30))s
}

# Whether a step at offered rate $1 was clean: SIPp complete ($2 = yes), none unanswered ($3 = 0),
# $4 successful and $5 failed flows with < 0.1% failed, flows/s $6 >= 98% of the offered rate and
# p99 $7 < 20 ms. The bar of every REGISTER bench here (bench/README.md).
step_is_clean() {
  local rate="$1" complete="$2" unans="$3" ok="$4" failed="$5" tput="$6" p99="$7"
  [ "$complete" = yes ] && [ "$unans" = 0 ] && python3 -c "
import sys; ok, failed, tput, p99 = $ok, $failed, float('$tput'), float('$p99')
sys.exit(0 if ok + failed > 0 and failed * 1000 < ok + failed and tput >= 0.98 * $rate and p99 < 20 else 1)" 2>/dev/null
}

# Reads the SIPp step in folder $1 (which was asked for $2 flows; $3: only this rtd) and prints "key=value" lines.
sipp_summary() {
  python3 "$here/bench/sipp_summary.py" "$@"
}
