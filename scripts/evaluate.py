#!/usr/bin/env python3
"""Score a fazhi run against a gold folder, per indicator, with every confusion and its sentence.

    scripts/evaluate.py --gold DIR --out OUT [--before OUT_BEFORE] [--only FILE...] [--json FILE]

GOLD_DIR holds <file>.jsonl (one gold mention a line, in document order) and meta.jsonl, as in
tests/fixtures/gold/*; OUT is the output folder of `fazhi run` on the matching inputs. Printed:

1. The figures `score.py` prints for mentions and indicators (an indicator item is the first
   mention of each indicator in a report, compared on indicator and value).
2. Per indicator: the items (as scored) and the mentions (each gold mention paired with the
   mention fazhi found at that place) with tp, fp, fn, precision and recall.
3. The confusions, mention by mention: gold indicator → indicator got, with the raw text, the
   rule that decided and the sentence. `-` is no indicator; a gold mention fazhi did not find is
   `(not found)`.
4. With --before OUT_BEFORE (a run of the same inputs before a change): the confusions the change
   fixed and the ones it broke, and the figures of both.

Gold and found mentions are paired per report by aligning the sequences of (value, unit) in
document order, so a number stated twice pairs with the right occurrence.
"""
import argparse
import difflib
import json
import os
import sys
from collections import Counter, defaultdict


def read_table(out_dir, name):
    """Rows of table `name` (a file or a folder of Parquet) as dicts."""
    path = os.path.join(out_dir, name + ".parquet")
    if not os.path.exists(path):
        path = os.path.join(out_dir, name)
    if not os.path.exists(path):
        sys.exit(f"no {name} table under {out_dir}")
    import pyarrow.dataset as ds

    return ds.dataset(path, format="parquet", partitioning="hive").to_table().to_pylist()


def base(p):
    return os.path.basename(str(p).replace("\\", "/"))


def vkey(v):
    v = float(v)
    return round(v, 4) if abs(v) < 1e6 else round(v, -2)


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def load_gold(gold_dir):
    gold = {}
    for name in sorted(os.listdir(gold_dir)):
        if name.endswith(".jsonl") and name != "meta.jsonl":
            with open(os.path.join(gold_dir, name), encoding="utf-8") as f:
                gold[name[: -len(".jsonl")]] = [json.loads(l) for l in f if l.strip()]
    return gold


def first_per_indicator(rows):
    seen = {}
    for r in rows:
        ind = r.get("indicator")
        if ind and ind not in seen:
            seen[ind] = r
    return seen


class Run:
    """One output folder scored against the gold."""

    def __init__(self, gold, out_dir, only=None):
        self.files = sorted(f for f in gold if not only or f in only)
        by_file = defaultdict(list)
        for r in read_table(out_dir, "mentions"):
            if r.get("value") is not None:
                by_file[base(r["source_path"])].append(r)
        for rows in by_file.values():
            rows.sort(key=lambda r: r["mention_id"])
        self.mention = Counter()  # tp fp fn of mentions
        self.items = Counter()  # tp fp fn of indicator items
        self.items_by = defaultdict(Counter)  # indicator -> tp fp fn (items)
        self.mentions_by = defaultdict(Counter)  # indicator -> tp fp fn (paired mentions)
        # (file, gold index or found id) -> (gold indicator, got indicator, raw, rule, sentence)
        self.confusions = {}
        for f in self.files:
            g, p = gold[f], by_file.get(f, [])
            self.score_items(f, g, p)
            self.pair(f, g, p)

    def score_items(self, f, gold, pred):
        g_ind = Counter((i, vkey(r["value"])) for i, r in first_per_indicator(gold).items())
        p_ind = Counter((i, vkey(r["value"])) for i, r in first_per_indicator(pred).items())
        both = g_ind & p_ind
        for (ind, _), n in both.items():
            self.items_by[ind]["tp"] += n
        for (ind, _), n in (g_ind - p_ind).items():
            self.items_by[ind]["fn"] += n
        for (ind, _), n in (p_ind - g_ind).items():
            self.items_by[ind]["fp"] += n
        self.items["tp"] += sum(both.values())
        self.items["fn"] += sum((g_ind - p_ind).values())
        self.items["fp"] += sum((p_ind - g_ind).values())

    def pair(self, f, gold, pred):
        gk = [(vkey(g["value"]), g["unit"]) for g in gold]
        pk = [(vkey(p["value"]), p["unit"]) for p in pred]
        matcher = difflib.SequenceMatcher(a=gk, b=pk, autojunk=False)
        paired_g, paired_p = {}, set()
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                paired_g[block.a + k] = block.b + k
                paired_p.add(block.b + k)
        # Mentions the alignment left out: pair them by key where they can be (a reordering).
        spare = defaultdict(list)
        for j, k in enumerate(pk):
            if j not in paired_p:
                spare[k].append(j)
        for i, k in enumerate(gk):
            if i not in paired_g and spare[k]:
                j = spare[k].pop(0)
                paired_g[i] = j
                paired_p.add(j)
        self.mention["tp"] += len(paired_g)
        self.mention["fn"] += len(gold) - len(paired_g)
        self.mention["fp"] += len(pred) - len(paired_p)
        for i, g in enumerate(gold):
            want = g.get("indicator")
            j = paired_g.get(i)
            p = pred[j] if j is not None else None
            got = p.get("indicator") if p else None
            if want and want == got:
                self.mentions_by[want]["tp"] += 1
                continue
            if want:
                self.mentions_by[want]["fn"] += 1
            if got:
                self.mentions_by[got]["fp"] += 1
            if want or got:
                self.confusions[(f, "gold", i)] = (
                    want or "-",
                    got or "-" if p else "(not found)",
                    g.get("raw") or "",
                    (p or {}).get("rule") or "",
                    (p or {}).get("sentence") or "",
                )
        for j, p in enumerate(pred):
            if j not in paired_p and p.get("indicator"):
                self.mentions_by[p["indicator"]]["fp"] += 1
                self.confusions[(f, "found", p["mention_id"])] = (
                    "(no gold mention)",
                    p["indicator"],
                    p.get("raw") or "",
                    p.get("rule") or "",
                    p.get("sentence") or "",
                )

    def summary(self):
        mp, mr, mf = prf(self.mention["tp"], self.mention["fp"], self.mention["fn"])
        ip, ir, iff = prf(self.items["tp"], self.items["fp"], self.items["fn"])
        m, i = self.mention, self.items
        return (
            f"reports {len(self.files)}\n"
            f"mentions    P {mp:.3f}  R {mr:.3f}  F1 {mf:.3f}  (tp {m['tp']} fp {m['fp']} fn {m['fn']})\n"
            f"indicators  P {ip:.3f}  R {ir:.3f}  F1 {iff:.3f}  (tp {i['tp']} fp {i['fp']} fn {i['fn']})"
        )

    def figures(self):
        mp, mr, mf = prf(self.mention["tp"], self.mention["fp"], self.mention["fn"])
        ip, ir, iff = prf(self.items["tp"], self.items["fp"], self.items["fn"])
        return {
            "reports": len(self.files),
            "mentions": dict(self.mention, precision=mp, recall=mr, f1=mf),
            "indicators": dict(self.items, precision=ip, recall=ir, f1=iff),
            "per_indicator": {
                ind: {"items": dict(self.items_by[ind]), "mentions": dict(self.mentions_by[ind])}
                for ind in sorted(set(self.items_by) | set(self.mentions_by))
            },
        }


def cell(c):
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    p, r, _ = prf(tp, fp, fn)
    ps = f"{p:.2f}" if tp + fp else "  - "
    rs = f"{r:.2f}" if tp + fn else "  - "
    return f"{tp:>3} {fp:>3} {fn:>3}  {ps} {rs}"


def print_per_indicator(run):
    print("\nper indicator          items: tp  fp  fn   P    R    |  mentions: tp  fp  fn   P    R")
    for ind in sorted(set(run.items_by) | set(run.mentions_by)):
        print(f"  {ind:<30} {cell(run.items_by[ind])}   |  {cell(run.mentions_by[ind])}")


def confusion_line(key, c):
    f, _, _ = key
    want, got, raw, rule, sentence = c
    return f"  {f}  {want} → {got}  {raw}  [{rule}]\n      {sentence.strip()}"


def print_confusions(run):
    print(f"\nconfusions (gold → got), {len(run.confusions)}:")
    pairs = Counter((c[0], c[1]) for c in run.confusions.values())
    for (want, got), n in sorted(pairs.items(), key=lambda x: (-x[1], x[0])):
        print(f"  {n:>3}  {want} → {got}")
    print()
    for key in sorted(run.confusions, key=lambda k: (run.confusions[k][0], run.confusions[k][1], k)):
        print(confusion_line(key, run.confusions[key]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", required=True, help="folder of <file>.jsonl gold mentions")
    ap.add_argument("--out", required=True, help="output folder of fazhi run")
    ap.add_argument("--before", help="output folder of a run before a change: show what it fixed and broke")
    ap.add_argument("--only", nargs="+", help="score only these files (e.g. h201.txt)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()

    gold = load_gold(args.gold)
    only = set(args.only) if args.only else None
    after = Run(gold, args.out, only)
    if args.before:
        before = Run(gold, args.before, only)
        print("before\n" + before.summary() + "\n\nafter\n" + after.summary())
        print_per_indicator(after)
        fixed = [k for k in before.confusions if before.confusions[k] != after.confusions.get(k)]
        broke = [k for k in after.confusions if after.confusions[k] != before.confusions.get(k)]
        print(f"\nfixed or changed ({len(fixed)}): as before")
        for k in sorted(fixed):
            print(confusion_line(k, before.confusions[k]))
            if k in after.confusions:
                print(f"      now {after.confusions[k][1]} [{after.confusions[k][3]}]")
        print(f"\nbroken or changed ({len(broke)}): as after")
        for k in sorted(broke):
            print(confusion_line(k, after.confusions[k]))
    else:
        print(after.summary())
        print_per_indicator(after)
        print_confusions(after)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(after.figures(), f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
