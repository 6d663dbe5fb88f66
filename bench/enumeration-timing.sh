#!/usr/bin/env bash
# Issue 10, item 2 (no user enumeration): does the first account lookup of a known user take
# longer or shorter than that of an unknown one? Runs EnumerationTimingBench (accounts test code)
# against a real Cassandra node: the embedded test node, forked like in the tests, data under
# accounts/target/test-cassandra. Prints per series (store read; through the cache; cache plus the
# digest check) the medians, the difference of the medians with a 95% bootstrap CI and a
# Mann-Whitney U test. Nothing is asserted: compare the figures (bench/RESULTS.md).
#
# usage: bench/enumeration-timing.sh [SAMPLES_PER_KIND (3000)] [WARMUP_PER_KIND (1000)]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
out="bench/out/enumeration-timing"
mkdir -p "$out"
# compile the accounts module and what it needs (the Cassandra jars included), then take its test class path
mvn -B -q -o package -pl cassandra-server -DskipTests > "$out/build.log"
mvn -B -q -o test-compile dependency:build-classpath -pl accounts -am \
  -Dmdep.includeScope=test -Dmdep.outputFile="$here/$out/classpath.txt" >> "$out/build.log"
cp="accounts/target/test-classes:accounts/target/classes:$(cat "$out/classpath.txt")"
# the storage test-jar is not packaged in this build: its classes come from storage/target
cp="$cp:storage/target/test-classes"
{
  echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "host:    $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) before the run"
  echo "commit:  $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (+ uncommitted changes)')"
  (cd accounts && java -Xms512m -Xmx1g -Dswitchboard.cassandra.lib="$here/cassandra-server/target/lib" \
    -cp "$(echo "$cp" | sed "s#\(^\|:\)\([a-z]\)#\1$here/\2#g")" \
    io.switchboard.accounts.store.EnumerationTimingBench "$@" 2>&1 | grep -v '^[0-9:. ]*\(DEBUG\|INFO\)')
} | tee "$out/summary.txt"
