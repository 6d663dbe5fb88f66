#!/usr/bin/env python3
"""Where the CPU went, from a JFR recording's execution samples (async-profiler is not available here).

usage: bench/jfr-top.py RECORDING.jfr [N] [--thread REGEX] [--filter REGEX]

Prints the N (default 30) hottest methods by self samples (top frame) and by total samples (anywhere
on the stack, counted once per sample), and the sample count per thread group. Samples are taken
by JFR every 10 ms (20 ms with settings=default) per running Java thread, so a method's share of
samples is its share of the JVM's Java CPU time (native and GC threads are not sampled).
--filter keeps only samples whose stack has a frame matching REGEX.
"""
import collections
import re
import subprocess
import sys


def samples(path):
    text = subprocess.run(['jfr', 'print', '--events', 'jdk.ExecutionSample', '--stack-depth', '64', path],
                          check=True, capture_output=True, text=True).stdout
    for block in text.split('jdk.ExecutionSample {')[1:]:
        m = re.search(r'sampledThread = "([^"]*)"', block)
        thread = m.group(1) if m else '?'
        frames = []
        in_stack = False
        for line in block.splitlines():
            s = line.strip()
            if s.startswith('stackTrace = ['):
                in_stack = True
                continue
            if in_stack:
                if s.startswith(']'):
                    break
                if s and s != '...':
                    frames.append(re.sub(r'\s+line:.*$', '', s))
        yield thread, frames


def group(thread):
    return re.sub(r'[-#]?\d+$', '', re.sub(r'\d+', 'N', thread))


def main():
    args = sys.argv[1:]
    path = args.pop(0)
    n = 30
    thread_re = filter_re = None
    while args:
        a = args.pop(0)
        if a == '--thread':
            thread_re = re.compile(args.pop(0))
        elif a == '--filter':
            filter_re = re.compile(args.pop(0))
        else:
            n = int(a)
    self_c, total_c, threads = collections.Counter(), collections.Counter(), collections.Counter()
    count = 0
    for thread, frames in samples(path):
        if thread_re and not thread_re.search(thread):
            continue
        if filter_re and not any(filter_re.search(f) for f in frames):
            continue
        count += 1
        threads[group(thread)] += 1
        if frames:
            self_c[frames[0]] += 1
        for f in set(frames):
            total_c[f] += 1
    print('%d samples' % count)
    print('\n== threads')
    for t, c in threads.most_common(15):
        print('%6d %5.1f%%  %s' % (c, 100.0 * c / count, t))
    print('\n== self')
    for f, c in self_c.most_common(n):
        print('%6d %5.1f%%  %s' % (c, 100.0 * c / count, f))
    print('\n== total')
    for f, c in total_c.most_common(n):
        print('%6d %5.1f%%  %s' % (c, 100.0 * c / count, f))


if __name__ == '__main__':
    main()
