#!/usr/bin/env bash
# REGISTER side by side (issue 17, item 1): the same SIPp scenario and rate steps against Kamailio
# with bindings in memory, Kamailio writing every binding through to PostgreSQL 15, and a Switchboard
# node on its embedded Cassandra, alternating the systems within each step, in one run, all on this
# machine, SIP on 127.0.0.1 only. See bench/README.md.
#
# 1. installs Debian's kamailio, kamailio-postgres-modules (kamailio-presence-modules with
#    --presence) and postgresql-15 when missing
#    (apt-get, non-interactive; needs root). It never starts, stops or uses a system-wide
#    PostgreSQL service: the durable variant gets a cluster of its own (initdb in a temp folder,
#    port 15432, socket in that folder, PostgreSQL's defaults: fsync on, synchronous_commit on);
# 2. writes N users (bench/make-users.sh) and starts, in turn and each on its own port:
#      kam-mem   Kamailio, bench/kamailio/registrar.cfg, usrloc db_mode 0 (udp 127.0.0.1:15070)
#      kam-pg    the same with usrloc db_mode 1 on that PostgreSQL (udp 127.0.0.1:15072)
#      sb        a Switchboard node with bench/bench.conf (udp 127.0.0.1:15060), users imported
#    Kamailio checks MD5 digests against an in-memory user table (an htable filled at startup from
#    the same users.csv the node imports, same names and passwords), in both variants;
# 3. warm-up: registers every user once on each system (on the node this also loads each AOR's
#    entity; everywhere it creates the binding, so the steps refresh bindings as phones do);
# 4. per rate: one SIPp step (sipp/register-digest.xml over UDP, RATE x SECONDS flows) against each
#    system in turn, the order rotating from one rate to the next; a system whose step achieved less
#    than half its offered rate is not run at the higher rates (it has collapsed);
# 5. prints per system and step: offered rate, flows/s, failures, p50/p99 of the whole flow, the
#    cores and the CPU microseconds per successful flow of the server (Kamailio: all its processes;
#    the node's JVM) and of its database (PostgreSQL: all its processes; Cassandra), and the cores
#    the idle systems used meanwhile ("others"); then each system's highest clean rate (the bar of
#    register-bench.sh: flows/s >= 98% offered, < 0.1% failed, none unanswered, p99 < 20 ms) and
#    the ratios Switchboard / Kamailio for each variant;
# 6. stops everything it started, by pid (also on Ctrl-C or failure) and removes the PostgreSQL
#    temp folder (its log is kept in the output folder).
#
# --presence: the same three systems as presence servers (bench/kamailio/presence.cfg: presence +
# presence_xml, kam-mem with subscriptions and publications in memory, kam-pg writing both through
# to PostgreSQL; the node with bench.conf and presence-bench.sh's raised per-source dialog limits),
# driven by bench/presence/PresenceBench.java in "flows" mode (SUBSCRIBE user i -> user i+N/2 with
# digest, 200, first NOTIFY, and a PUBLISH by user i, 200), one client run per system with the
# warm-up and all rate steps, the systems in turn (not per step: the client's nonces, entity-tags
# and subscriptions live for its whole run). Needs PostgreSQL for both Kamailio variants (the
# presence module checks its table versions at startup), so --skip-pg does not apply.
#
# Results: bench/out/compare-kamailio[-presence]/summary.txt. Figures worth keeping need a quiet machine.
#
# usage: bench/compare-kamailio.sh [-n USERS] [-d SECONDS_PER_STEP] [-r "RATE RATE ..."] [-w WARMUP_RATE] [--skip-pg] [--presence]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=bench/lib.sh
source bench/lib.sh

users=""; step=20; rates=""; warm_rate=""; skip_pg=no; mode=register
usage() { sed -n '/^# usage:/,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -n) users=$2; shift 2;;
    -d) step=$2; shift 2;;
    -r) rates=$2; shift 2;;
    -w) warm_rate=$2; shift 2;;
    --skip-pg) skip_pg=yes; shift;;
    --presence) mode=presence; shift;;
    *) usage;;
  esac
done

if [ "$mode" = presence ]; then
  users=${users:-2000}; rates=${rates:-"250 500 1000 2000"}; warm_rate=${warm_rate:-100}; skip_pg=no
else
  users=${users:-10000}; rates=${rates:-"500 1000 2000 3000 4000 5000"}; warm_rate=${warm_rate:-500}
fi
kam_mem_port=15070; kam_pg_port=15072; pg_port=15432
pg_bin=/usr/lib/postgresql/15/bin
out="bench/out/compare-kamailio"; [ "$mode" = presence ] && out="$out-presence"
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.txt"

# --- what this script started, stopped by pid on exit ------------------------------------------
declare -A kam_pid=()
pg_dir=""; pg_pid=""

# Kamailio's main process stops its workers on SIGTERM; any left after 10 s get SIGKILL.
stop_kamailio() {
  local name="$1" pid="${kam_pid[$1]:-}" kids i
  [ -n "$pid" ] || return 0
  kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  for i in $pid $kids; do kill -0 "$i" 2>/dev/null && kill -9 "$i" 2>/dev/null; done
  kam_pid[$name]=""
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_pg() {
  [ -n "$pg_dir" ] || return 0
  if [ -n "$pg_pid" ] && kill -0 "$pg_pid" 2>/dev/null; then
    # pg_ctl signals the postmaster named in this cluster's own postmaster.pid (= $pg_pid)
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || kill "$pg_pid" 2>/dev/null || true
    local i
    for i in $(seq 1 20); do kill -0 "$pg_pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pg_pid" 2>/dev/null && kill -9 "$pg_pid" 2>/dev/null
  fi
  cp "$pg_dir/postgres.log" "$out/postgres.log" 2>/dev/null || true
  rm -rf "$pg_dir"
  pg_dir=""; pg_pid=""
}

cleanup() {
  stop_kamailio kam-mem || true
  stop_kamailio kam-pg || true
  stop_pg || true
  stop_node || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. packages -------------------------------------------------------------------------------
install_missing() {
  local pkgs=() p
  for p in kamailio kamailio-postgres-modules $([ "$mode" = presence ] && echo kamailio-presence-modules); do
    dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p")
  done
  [ "$skip_pg" = yes ] || [ -x "$pg_bin/initdb" ] || pkgs+=(postgresql-15)
  command -v sipp >/dev/null || pkgs+=(sip-tester)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || { echo "missing ${pkgs[*]}; run as root to install them, or apt-get install them" >&2; exit 1; }
  echo "installing ${pkgs[*]} (apt-get)"
  # Debian's postgresql packages may create (and on a booted system start) their own "main"
  # cluster; this script leaves it alone and runs a cluster of its own.
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >/dev/null
}
install_missing
[ -f pool-node/target/pool-node.jar ] || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 1; }

port_busy() { ss -Hln "( sport = :$1 )" 2>/dev/null | grep -q .; }
for p in $kam_mem_port $([ "$skip_pg" = yes ] || echo "$kam_pg_port $pg_port"); do
  if port_busy "$p"; then echo "port $p is in use (another bench?); this script needs it" >&2; exit 1; fi
done

if [ "$mode" = presence ]; then
  # as bench/presence-bench.sh: every simulated phone sends from 127.0.0.1, so the per-source cap
  # on new subscriptions (meant for one office behind one address) would measure itself
  cat > "$out/node.conf" <<EOF
include file("$here/bench/bench.conf")
switchboard.presence.limits { new-dialogs-per-second = 1000000, new-dialogs-burst = 1000000 }
EOF
  bench_config="$out/node.conf"
fi

{
  echo "# bench/compare-kamailio.sh -n $users -d $step -r \"$rates\" -w $warm_rate$([ "$skip_pg" = yes ] && echo ' --skip-pg')$([ "$mode" = presence ] && echo ' --presence')"
  describe_machine
  echo "kamailio: $(kamailio -v 2>/dev/null | head -1 | sed 's/^version: //'), bench/kamailio/$([ "$mode" = presence ] && echo presence || echo registrar).cfg, children=8 (UDP workers)"
  [ "$skip_pg" = yes ] || echo "postgres: $("$pg_bin/postgres" --version)"
} | tee "$summary"

bench/make-users.sh "$users" "$out" example.test

# --- 2. PostgreSQL cluster of our own -------------------------------------------------------------
start_pg() {
  pg_dir=$(mktemp -d /tmp/switchboard-bench-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$pg_dir"
  as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 > "$out/initdb.log" 2>&1 \
      || { cat "$out/initdb.log" >&2; return 1; }
  as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
      -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1" start >/dev/null \
      || { cat "$pg_dir/postgres.log" >&2; return 1; }
  pg_pid=$(head -1 "$pg_dir/data/postmaster.pid")
  local psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port")
  "${psql[@]}" -U postgres -d postgres -c "CREATE USER kamailio PASSWORD 'kamailio'" -c "CREATE DATABASE kamailio OWNER kamailio"
  # Kamailio's own schema for usrloc and presence (the version table it checks at startup,
  # location; presentity, active_watchers, watchers, xcap).
  "${psql[@]}" -U kamailio -d kamailio -f /usr/share/kamailio/postgres/standard-create.sql \
      -f /usr/share/kamailio/postgres/usrloc-create.sql -f /usr/share/kamailio/postgres/presence-create.sql >/dev/null
  echo "postgres: pid $pg_pid, 127.0.0.1:$pg_port, data $pg_dir/data; $("${psql[@]}" -U postgres -d postgres -At -c \
      "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync','synchronous_commit','wal_sync_method','full_page_writes')")"
}

# --- 3. Kamailio ----------------------------------------------------------------------------------
# The user list as Kamailio config: an event_route run once at startup, before the workers fork.
awk -F, 'NR == 1 {print "event_route[htable:mod-init] {"; next}
         {u = $1; sub(/^sip:/, "", u); sub(/@.*/, "", u); printf "\t$sht(users=>%s) = \"%s\";\n", u, $2}
         END {print "}"}' "$out/users.csv" > "$out/kamailio-users.cfg"

start_kamailio() {
  local name="$1" port="$2" cfg="$here/$out/$1.cfg" i
  {
    echo '#!KAMAILIO'
    echo "# generated by bench/compare-kamailio.sh: $name ($mode)"
    local db_url="postgres://kamailio:kamailio@127.0.0.1:$pg_port/kamailio"
    if [ "$mode" = presence ]; then
      echo "#!define DB_URL \"$db_url\""
      echo "#!define SERVER_ADDRESS \"sip:127.0.0.1:$port\""
      [ "$name" = kam-pg ] && echo '#!define WITH_DURABLE'
    elif [ "$name" = kam-pg ]; then
      echo '#!define WITH_PG'
      echo "#!define DB_URL \"$db_url\""
    fi
    echo "listen=udp:127.0.0.1:$port"
    cat "bench/kamailio/$([ "$mode" = presence ] && echo presence || echo registrar).cfg" "$out/kamailio-users.cfg"
  } > "$cfg"
  kamailio -c -f "$cfg" -M 64 > "$out/$name.check" 2>&1 || { cat "$out/$name.check" >&2; return 1; }
  mkdir -p "$out/run-$name"
  # -DD: stay in the foreground (so $! is the main process), -E: log to stderr
  kamailio -f "$cfg" -DD -E -m 256 -M 64 -Y "$here/$out/run-$name" > "$out/$name.log" 2>&1 &
  kam_pid[$name]=$!
  for i in $(seq 1 120); do
    kill -0 "${kam_pid[$name]}" 2>/dev/null || { echo "kamailio $name exited during start:" >&2; tail -20 "$out/$name.log" >&2; kam_pid[$name]=""; return 1; }
    port_busy "$port" && [ "$(ps -o pid= --ppid "${kam_pid[$name]}" | wc -l)" -ge 8 ] && break
    sleep 0.5
  done
  port_busy "$port" || { echo "kamailio $name not listening on $port after 60 s" >&2; return 1; }
  echo "$name: kamailio pid ${kam_pid[$name]}, udp 127.0.0.1:$port"
}

systems=(kam-mem)
[ "$skip_pg" = yes ] || systems+=(kam-pg)
systems+=(sb)
declare -A port=() srv_pid=() db_pid=() best=() stopped=()

# (not in a pipeline: they set the pids this shell stops on exit)
if [ "$skip_pg" = no ]; then
  start_pg > "$out/start.tmp"; tee -a "$summary" < "$out/start.tmp"
fi
start_kamailio kam-mem "$kam_mem_port" > "$out/start.tmp"; tee -a "$summary" < "$out/start.tmp"
port[kam-mem]=$kam_mem_port; srv_pid[kam-mem]=${kam_pid[kam-mem]}; db_pid[kam-mem]=""
if [ "$skip_pg" = no ]; then
  start_kamailio kam-pg "$kam_pg_port" > "$out/start.tmp"; tee -a "$summary" < "$out/start.tmp"
  port[kam-pg]=$kam_pg_port; srv_pid[kam-pg]=${kam_pid[kam-pg]}; db_pid[kam-pg]=$pg_pid
fi
rm -f "$out/start.tmp"

# --- 4. Switchboard node --------------------------------------------------------------------------
start_node "$out/node.log"
echo "sb: node pid $node_pid, Cassandra pid $cassandra_pid, udp 127.0.0.1:$sip_port" | tee -a "$summary"
import_users "$out/users.csv" "$users" | tee -a "$summary"
port[sb]=$sip_port; srv_pid[sb]=$node_pid; db_pid[sb]=$cassandra_pid

# CPU ticks of a system's server and database: Kamailio and PostgreSQL fork workers (whole tree);
# the node's process tree would include its Cassandra, so the node and Cassandra are read apart.
srv_ticks() { if [ "$1" = sb ]; then cpu_ticks "${srv_pid[$1]}"; else tree_cpu_ticks "${srv_pid[$1]}"; fi; }
db_ticks() {
  case $1 in sb) cpu_ticks "${db_pid[$1]}";; kam-pg) tree_cpu_ticks "${db_pid[$1]}";; *) echo 0;; esac
}
all_ticks() {
  local s t=0
  for s in "${systems[@]}"; do t=$((t + $(srv_ticks "$s") + $(db_ticks "$s"))); done
  echo "$t"
}
alive() {
  case $1 in sb) node_alive;; *) kill -0 "${srv_pid[$1]}" 2>/dev/null;; esac
}

# One SIPp step against system $1 at $2 flows/s for $3 flows into folder $4; prints one table row.
step_row() {
  local sys=$1 rate=$2 calls=$3 dir=$4 label=$5
  local s0 d0 a0 t0 s1 d1 a1 t1
  s0=$(srv_ticks "$sys"); d0=$(db_ticks "$sys"); a0=$(all_ticks); t0=$(date +%s.%N)
  run_register_sipp "$dir" "${port[$sys]}" "$rate" "$calls" "$here/$out/users.sipp.csv" u1
  t1=$(date +%s.%N); s1=$(srv_ticks "$sys"); d1=$(db_ticks "$sys"); a1=$(all_ticks)
  declare -A s=()
  while IFS='=' read -r k v; do s[$k]=$v; done < <(sipp_summary "$dir" "$calls")
  local cpu
  cpu=$(python3 -c "
secs, ok = $t1 - $t0, max(1, ${s[successful]:-0})
srv, db, others = $s1 - $s0, $d1 - $d0, ($a1 - $a0) - ($s1 - $s0) - ($d1 - $d0)
dbc = '-' if '$sys' == 'kam-mem' else '%.2f' % (db / 100 / secs)
dbu = '-' if '$sys' == 'kam-mem' else '%.0f' % (db * 1e4 / ok)
print('%.2f %s %.2f %.2f %.0f %s' % (srv / 100 / secs, dbc, ${s[sipp_cpu_s]:-0} / secs, max(0, others) / 100 / secs, srv * 1e4 / ok, dbu))")
  local srv_c db_c sipp_c oth_c srv_u db_u
  read -r srv_c db_c sipp_c oth_c srv_u db_u <<<"$cpu"
  printf "%-8s %-7s %-6s %-7s %-7s %-6s %-5s %-7s %-6s %-6s %-6s %-5s %-5s %-5s %-6s %-7s %-6s %s\n" \
      "$sys" "$label" "$rate" "${s[flows_per_s]:--}" "${s[successful]:--}" "${s[failed]:--}" "${s[unanswered]:--}" \
      "${s[retransmissions]:--}" "${s[p50_ms]:--}" "${s[p99_ms]:--}" "$srv_c" "$db_c" "$sipp_c" "$oth_c" \
      "$srv_u" "$db_u" "$((${srv_u:-0} + ${db_u/-/0}))" \
      "${s[failure_reasons]:--}$([ "${s[complete]:-NO}" = yes ] || echo " INCOMPLETE(rc ${s[sipp_rc]:-?})")"
}

header() {
  echo
  echo "systems: kam-mem = Kamailio, usrloc in memory; kam-pg = Kamailio, usrloc write-through to PostgreSQL;"
  echo "         sb = Switchboard node, bindings in Cassandra before the 200"
  echo "flows/s: SIPp successes / SIPp elapsed; ms: whole flow (REGISTER, 401, REGISTER, 200), SIPp rtt trace"
  echo "srv/db/sipp/others: cores used during the step by the server, its database, SIPp, the idle systems"
  echo "srv_us/db_us/tot_us: CPU microseconds per successful flow (server, database, both)"
  printf "%-8s %-7s %-6s %-7s %-7s %-6s %-5s %-7s %-6s %-6s %-6s %-5s %-5s %-5s %-6s %-7s %-6s %s\n" \
      system step offer flows/s ok failed unans retrans p50_ms p99_ms srv db sipp other srv_us db_us tot_us failures
}

# --- 5p. presence: one PresenceBench flows run per system ---------------------------------------
if [ "$mode" = presence ]; then
  for sys in "${systems[@]}"; do
    # "+": the process and its worker processes (bench/presence/PresenceBench.java, cpuTicks)
    case $sys in
      sb) cpu="server:$node_pid,db:$cassandra_pid";;
      *) cpu="server:${srv_pid[$sys]}+,db:$pg_pid+";;
    esac
    echo | tee -a "$summary"
    echo "== $sys: PresenceBench flows against udp 127.0.0.1:${port[$sys]}, --cpu-pids $cpu; load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
    rc=0
    java -Xmx1g bench/presence/PresenceBench.java flows --port "${port[$sys]}" --cpu-pids "$cpu" --users "$users" \
        --rates "$rates" --duration "$step" --warmup-rate "$warm_rate" > "$out/$sys-client.txt" 2>&1 || rc=$?
    grep -v '^PROTOCOL ERROR' "$out/$sys-client.txt" | tee -a "$summary"
    n=$(grep -c '^PROTOCOL ERROR' "$out/$sys-client.txt" || true)
    [ "$n" = 0 ] || { echo "($n PROTOCOL ERROR lines, the first 3:)"; grep -m3 '^PROTOCOL ERROR' "$out/$sys-client.txt"; } | tee -a "$summary"
    echo "client exit: $rc" | tee -a "$summary"
    alive "$sys" || echo "$sys: server gone" | tee -a "$summary"
  done
  {
    echo
    echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "per system and step (clean = flows/s >= 98% offered, < 0.1% failed, p99 < 20 ms); srv_us/db_us: CPU us per flow"
    python3 - "$out" "$rates" "${systems[@]}" <<'PY'
import re, sys
out, rates, systems = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
best = {}
for s in systems:
    text = open('%s/%s-client.txt' % (out, s)).read()
    m = re.search(r'^RESULT (.*)$', text, re.M)
    kv = dict(p.split('=', 1) for p in m.group(1).split() if '=' in p) if m else {}
    # each step's row is followed by its CPU line
    cpu = {k: (a, b) for k, a, b in re.findall(
        r'^(r\d+) .*\n\s+CPU: server [\d.]+ cores, (\d+) us CPU per flow; db [\d.]+ cores, (\d+) us', text, re.M)}
    for r in rates:
        k = 'r' + r
        if k + '_ok' not in kv:
            print('  %-8s r%-6s not run (see %s/%s-client.txt)' % (s, r, out, s))
            continue
        ok, failed, tput = int(kv[k + '_ok']), int(kv[k + '_failed']), float(kv[k + '_flows_per_s'])
        try:
            p99 = float(kv[k + '_p99_ms'])
        except ValueError:
            p99 = float('inf')
        su, du = cpu.get(k, ('-', '-'))
        clean = ok + failed > 0 and failed * 1000 < ok + failed and tput >= 0.98 * int(r) and p99 < 20
        if clean:
            best[s] = (int(r), tput, p99)
        print('  %-8s r%-6s flows/s %-6.0f failed %-6d p99 %-8s srv_us %-6s db_us %-6s %s'
              % (s, r, tput, failed, kv[k + '_p99_ms'], su, du, 'clean' if clean else ''))
    print('  %-8s protocol errors: %s' % (s, kv.get('protocol_errors', '?')))
print('highest clean rate:')
for s in systems:
    print('  %s: %s' % (s, '%d/s offered (flows/s %.0f, p99 %g ms)' % best[s] if s in best else 'none'))
for s in systems:
    if s == 'sb':
        continue
    if 'sb' in best and s in best:
        print('  ratio sb / %s (flows/s at the highest clean rates): %.2fx' % (s, best['sb'][1] / best[s][1]))
    else:
        print('  ratio sb / %s: n/a (a system has no clean step)' % s)
PY
  } | tee -a "$summary"
  exit 0
fi

# --- 5. warm-up and steps ---------------------------------------------------------------------
header | tee -a "$summary"
for sys in "${systems[@]}"; do
  step_row "$sys" "$warm_rate" "$users" "$out/$sys-warmup" warmup | tee -a "$summary"
done
i=0
for rate in $rates; do
  # rotate the order per rate, so no system always runs right after the same other one
  order=()
  for ((j = 0; j < ${#systems[@]}; j++)); do order+=("${systems[$(( (i + j) % ${#systems[@]} ))]}"); done
  i=$((i + 1))
  for sys in "${order[@]}"; do
    if [ -n "${stopped[$sys]:-}" ]; then
      echo "$sys      r$rate  skipped (${stopped[$sys]})" | tee -a "$summary"; continue
    fi
    alive "$sys" || { stopped[$sys]="its server is gone, see $out/"; echo "$sys: server gone" | tee -a "$summary"; continue; }
    sleep 3
    step_row "$sys" "$rate" $((rate * step)) "$out/$sys-r$rate" "r$rate" > "$out/row.tmp"
    tee -a "$summary" < "$out/row.tmp"
    read -r _ _ _ tput ok failed unans _ _ p99 _ < "$out/row.tmp"
    complete=yes; grep -q INCOMPLETE "$out/row.tmp" && complete=no
    if step_is_clean "$rate" "$complete" "$unans" "$ok" "$failed" "$tput" "$p99"; then
      best[$sys]="$rate $tput $p99"
    elif ! python3 -c "import sys; sys.exit(0 if float('$tput') * 2 >= $rate else 1)" 2>/dev/null; then
      stopped[$sys]="collapsed at $rate/s: $tput flows/s"
    fi
  done
done
rm -f "$out/row.tmp"

# --- 6. verdict -----------------------------------------------------------------------------------
{
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "highest clean rate (flows/s >= 98% offered, < 0.1% failed, 0 unanswered, p99 < 20 ms):"
  for sys in "${systems[@]}"; do
    if [ -n "${best[$sys]:-}" ]; then
      read -r r t p <<<"${best[$sys]}"
      echo "  $sys: $r/s offered (flows/s $t, p99 $p ms)"
    else
      echo "  $sys: none"
    fi
  done
  sb_t=$(cut -d' ' -f2 <<<"${best[sb]:-}")
  for sys in "${systems[@]}"; do
    [ "$sys" = sb ] && continue
    k_t=$(cut -d' ' -f2 <<<"${best[$sys]:-}")
    if [ -n "$sb_t" ] && [ -n "$k_t" ]; then
      echo "  ratio sb / $sys (flows/s at the highest clean rates): $(python3 -c "print('%.2f' % ($sb_t / $k_t))")x"
    else
      echo "  ratio sb / $sys: n/a (a system has no clean step)"
    fi
  done
} | tee -a "$summary"
