#!/usr/bin/env python3
"""Summarizes one SIPp run folder (written by run_sipp in bench/lib.sh) as key=value lines.

Throughput comes from SIPp's own statistics (stats.csv, -trace_stat -fd 1): successful flows
divided by the time between SIPp's start and its final statistics dump (it exits when the last
flow ended). Latency comes from the rtt trace (-trace_rtt -rtt_freq 1): one line per completed
flow, first REGISTER sent to 200 OK received, in whole milliseconds (SIPp's clock resolution).
With a third argument only that rtd's samples count (scenarios with several, e.g. "setup" and
"call" in sipp/uac-call.xml); its percentiles come out as <rtd>_p50_ms etc. as well.

"unanswered" counts flows that neither succeeded nor failed when SIPp stopped (0 unless SIPp
was cut off by the time limit): with -recv_timeout every flow that waits for an answer that
never comes ends as FailedTimeoutOnRecv, so failed = 0 and unanswered = 0 together mean every
flow got its 200.
"""
import glob
import os
import sys


def epoch(field):
    # "2026-11-21\t13:13:34.221190\t1795266814.221190": the last part is the epoch in seconds
    return float(field.split('\t')[-1])


def main(folder, requested, rtd=None):
    out = {}
    rc_file = os.path.join(folder, 'sipp.rc')
    rc = open(rc_file).read().strip() if os.path.exists(rc_file) else '?'
    out['sipp_rc'] = rc
    cpu_file = os.path.join(folder, 'sipp.cpu')
    out['sipp_cpu_s'] = open(cpu_file).read().strip() if os.path.exists(cpu_file) else '0'
    stats_file = os.path.join(folder, 'stats.csv')
    lines = [l.rstrip('\n') for l in open(stats_file)] if os.path.exists(stats_file) else []
    if len(lines) < 2:
        out['complete'] = 'no (no SIPp statistics)'
        return out
    header = lines[0].split(';')
    rows = [dict(zip(header, l.split(';'))) for l in lines[1:] if l]
    last = rows[-1]
    num = lambda row, k: int(row.get(k, '0') or 0)
    created = num(last, 'TotalCallCreated')
    ok = num(last, 'SuccessfulCall(C)')
    failed = num(last, 'FailedCall(C)')
    elapsed = epoch(last['CurrentTime']) - epoch(last['StartTime'])
    out['requested'] = requested
    out['created'] = created
    out['successful'] = ok
    out['failed'] = failed
    out['unanswered'] = created - ok - failed
    out['not_created'] = requested - created
    # timeout (124) or kill (137): SIPp was cut off and its last statistics may be stale
    out['complete'] = 'yes' if rc in ('0', '1') and created == requested and created == ok + failed else 'NO'
    reasons = []
    for k in header:
        if k.startswith('Failed') and k.endswith('(C)') and k != 'FailedCall(C)' and num(last, k):
            reasons.append('%s=%d' % (k[len('Failed'):-3], num(last, k)))
    out['failure_reasons'] = ','.join(reasons) or '-'
    out['retransmissions'] = num(last, 'Retransmissions(C)')
    out['dead_call_msgs'] = num(last, 'DeadCallMsgs(C)')
    out['out_of_call_msgs'] = num(last, 'OutOfCallMsgs(C)')
    out['elapsed_s'] = '%.2f' % elapsed
    out['flows_per_s'] = '%.0f' % (ok / elapsed if elapsed > 0 else 0)
    out['offered_per_s'] = '%.0f' % (created / elapsed if elapsed > 0 else 0)
    # Per-second successes while SIPp was still creating calls (first and last second left out).
    per_s = []
    for row in rows[1:]:
        dt = epoch(row['CurrentTime']) - epoch(row['LastResetTime'])
        if dt > 0.5 and num(row, 'OutgoingCall(P)') > 0:
            per_s.append(num(row, 'SuccessfulCall(P)') / dt)
    per_s = per_s[1:-1] if len(per_s) > 2 else per_s
    out['min_1s_flows_per_s'] = '%.0f' % min(per_s) if per_s else '-'

    rtts = []
    for f in glob.glob(os.path.join(folder, '*_rtt.csv')):
        for l in open(f):
            p = l.split(';')
            if len(p) >= 2 and p[0][:1].isdigit() and (rtd is None or (len(p) > 2 and p[2].strip() == rtd)):
                rtts.append(float(p[1]))
    rtts.sort()
    out['rtt_samples'] = len(rtts)

    def pct(q):
        if not rtts:
            return '-'
        return '%g' % rtts[min(len(rtts) - 1, int(q * len(rtts)))]
    out['p50_ms'] = pct(0.50)
    out['p90_ms'] = pct(0.90)
    out['p99_ms'] = pct(0.99)
    out['p999_ms'] = pct(0.999)
    out['max_ms'] = '%g' % rtts[-1] if rtts else '-'
    if rtd:
        for k in ('p50_ms', 'p90_ms', 'p99_ms', 'p999_ms', 'max_ms'):
            out[rtd + '_' + k] = out[k]
    return out


if __name__ == '__main__':
    folder = sys.argv[1]
    requested = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    rtd = sys.argv[3] if len(sys.argv) > 3 else None
    for k, v in main(folder, requested, rtd).items():
        print('%s=%s' % (k, v))
