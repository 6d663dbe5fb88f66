#!/usr/bin/env bash
# Writes N bench users: users.csv (for `bin/switchboard user import`) and users.sipp.csv (SIPp -inf).
# usage: bench/make-users.sh N OUTDIR [DOMAIN]
set -euo pipefail
n="${1:?number of users}"; out="${2:?output folder}"; domain="${3:-example.test}"
mkdir -p "$out"
{
  echo "uri,password,display_name,phone"
  for i in $(seq 1 "$n"); do printf 'sip:bench%06d@%s,pw-bench-%06d,Bench User %d,\n' "$i" "$domain" "$i" "$i"; done
} > "$out/users.csv"
{
  echo "SEQUENTIAL"
  for i in $(seq 1 "$n"); do
    printf 'bench%06d;%s;[authentication username=bench%06d password=pw-bench-%06d]\n' "$i" "$domain" "$i" "$i"
  done
} > "$out/users.sipp.csv"
