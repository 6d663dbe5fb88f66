#!/usr/bin/env bash
# Complete calls per second through the proxy (INVITE, 180, 200, ACK, BYE, 200; SIPp caller and
# SIPp callee registered as pool users), on one node or three. Details: bench/proxy-bench.sh.
# usage: bench/call-bench.sh [-t udp|tcp] [-n USERS] [-d SECONDS_PER_STEP] [-r "RATE RATE ..."]
#            [-w WARMUP_RATE] [--nodes 1|3] [--auth yes|no] [--hold MS] [--jfr]
exec "$(dirname "${BASH_SOURCE[0]}")/proxy-bench.sh" --kind call "$@"
