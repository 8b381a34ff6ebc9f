#!/usr/bin/env python3
"""sacompare.py - compare sacheck with a SpamAssassin reference.

usage: sacompare.py REF.tsv SACHECK.tsv [-n TOP] [-r RULE]
REF.tsv: group, file, score, required, rules, seconds (spamd_symbols.py);
SACHECK.tsv: path, score, required, rules, ms [, subrules] (sacheck).
Prints the verdict agreement (at 5.0), identical rule sets, ms/msg, and
the rules that differ most (extra: sacheck only, missing: SA only);
-r RULE lists the files where RULE differs.
"""
import sys, os, collections

def main():
    args = sys.argv[1:]
    top, rule = 40, None
    if "-n" in args:
        i = args.index("-n"); top = int(args[i + 1]); del args[i:i + 2]
    if "-r" in args:
        i = args.index("-r"); rule = args[i + 1]; del args[i:i + 2]
    ref = {}
    for l in open(args[0]):
        f = l.rstrip("\n").split("\t")
        if len(f) < 5 or f[2] == "ERROR":
            continue
        ref[(f[0], f[1])] = (float(f[2]), float(f[3]), set(x for x in f[4].split(",") if x))
    got = {}
    ms = []
    for l in open(args[1]):
        f = l.rstrip("\n").split("\t")
        if len(f) < 5:
            continue
        key = (os.path.basename(os.path.dirname(f[0])), os.path.basename(f[0]))
        got[key] = (float(f[1]), float(f[2]), set(x for x in f[3].split(",") if x))
        ms.append(float(f[4]))
    n = same_v = same_s = 0
    extra, missing = collections.Counter(), collections.Counter()
    fn = fp = 0
    for k, (rs, rq, rr) in ref.items():
        if k not in got:
            continue
        gs, gq, gr = got[k]
        n += 1
        if (rs >= 5.0) == (gs >= 5.0):
            same_v += 1
        elif rs >= 5.0:
            fn += 1
        else:
            fp += 1
        if rr == gr:
            same_s += 1
        for x in gr - rr:
            extra[x] += 1
            if rule == x: print("extra", "/".join(k))
        for x in rr - gr:
            missing[x] += 1
            if rule == x: print("missing", "/".join(k))
    if not n:
        print("no common messages"); return
    print("messages %d  verdict %.2f%% (SA spam, we ham: %d; SA ham, we spam: %d)  identical rules %.2f%%  ms/msg %.2f" %
          (n, 100.0 * same_v / n, fn, fp, 100.0 * same_s / n, sum(ms) / max(1, len(ms))))
    allr = collections.Counter()
    for x, c in extra.items(): allr[x] += c
    for x, c in missing.items(): allr[x] += c
    for x, c in allr.most_common(top):
        print("%-32s %5d  extra %5d  missing %5d" % (x, c, extra[x], missing[x]))

main()
