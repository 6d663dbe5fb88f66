#!/usr/bin/env bash
# MESSAGE requests per second through the proxy (SIPp sender, SIPp receiver registered as pool
# users), on one node or three. Details: bench/proxy-bench.sh.
# usage: bench/message-bench.sh [-t udp|tcp] [-n USERS] [-d SECONDS_PER_STEP] [-r "RATE RATE ..."]
#            [-w WARMUP_RATE] [--nodes 1|3] [--auth yes|no] [--jfr]
exec "$(dirname "${BASH_SOURCE[0]}")/proxy-bench.sh" --kind message "$@"
