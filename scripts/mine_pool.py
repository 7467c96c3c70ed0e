#!/usr/bin/env python3
"""List the phrasings a run's mentions are counted with, most frequent first, and the indicator each got.

    scripts/mine_pool.py --out OUT [--unmapped] [--min N] [--heads] [--examples K]

OUT is the output folder of `fazhi run` (typically on data/pool/, excerpts nobody annotated).
For every mention the *counted noun phrase* is the text before the number back to a clause
boundary (`,` `;` `:` `。` `、` and the like), without the time and total words reports open a
count with (全年, 共, 累计 …), together with the measure word. Phrases are grouped:

- by phrase (`化解矛盾纠纷`, unit `件`): how often it occurs, and the indicators it got;
- with --heads, by the phrase's last four characters, which in `verb + noun + number` Chinese
  is usually the counted noun (`矛盾纠纷`, `宣传资料`, `法律咨询`) or the activity (`讲座`).

With --unmapped only the mentions that got no indicator are listed: what the catalogue misses.
Each group shows up to K example sentences (--examples), so a reviewer can tell a phrasing the
catalogue should cover from a number that measures nothing in it.

With --changes BEFORE (the output of a run before a catalogue change, on the same inputs), the
mentions whose indicator changed are listed instead, each with its phrase, the rule and the
sentence: what the change did to text nobody annotated.
"""
import argparse
import os
import re
import sys
from collections import Counter, defaultdict

# Clause boundaries: where a counted noun phrase cannot reach back over.
BOUNDARY = re.compile(r"[,，:：;；。!！?？、(（)）“”\"《》\n]")
# Words a count opens with that say nothing of what is counted: time, place and total words.
OPENERS = re.compile(
    r"^(?:(?:\d{4}年(?:度)?|全年|今年(?:以来)?|年内|本年度|当年|年度|近年来|以来|截至目前|目前|"
    r"全镇|全乡|全县|全区|全市|全街道|我镇|我乡|我县|我区|我市|本镇|本县|"
    r"共计|累计|合计|总计|先后|共|已|均|再|又|还|达到|达|为|有|约|近|超过|不少于|至少)+)"
)
# How much of the words after the number stand for a phrase that has none before it.
AFTER_CHARS = 8
DIGITS = re.compile(r"[\d.,，]+|[零〇一二两三四五六七八九十百千万亿]+$")


def read_table(out_dir, name):
    path = os.path.join(out_dir, name + ".parquet")
    if not os.path.exists(path):
        path = os.path.join(out_dir, name)
    if not os.path.exists(path):
        sys.exit(f"no {name} table under {out_dir}")
    import pyarrow.dataset as ds

    return ds.dataset(path, format="parquet", partitioning="hive").to_table().to_pylist()


def noun_phrase(sentence, at, end):
    """The counted noun phrase of a number written from `at` to `end` in `sentence`: the words
    before it, or, where none are (`96起执法案件`), `…` and the words after it."""
    before = sentence[:at]
    cut = max((m.end() for m in BOUNDARY.finditer(before)), default=0)
    phrase = before[cut:].strip()
    phrase = OPENERS.sub("", DIGITS.sub("", phrase).strip())
    if phrase:
        return phrase
    after = BOUNDARY.split(sentence[end:], maxsplit=1)[0].strip()
    return "…" + after[:AFTER_CHARS] if after else ""


def mentions_with_phrases(rows):
    """Each mention with its noun phrase; a sentence's mentions are found in it in order."""
    by_sentence = defaultdict(list)
    for r in rows:
        by_sentence[(r["source_path"], r["sentence"])].append(r)
    for (_, sentence), ms in by_sentence.items():
        ms.sort(key=lambda r: r["mention_id"])
        pos = 0
        for r in ms:
            at = sentence.find(r["raw"], pos)
            if at < 0:
                at = sentence.find(r["raw"])
            if at < 0:
                continue
            pos = at + len(r["raw"])
            yield r, noun_phrase(sentence, at, pos)


def changes(out, before):
    """The mentions of `out` whose indicator differs in the run `before`."""
    old = {(r["source_path"], r["mention_id"]): r for r in read_table(before, "mentions")}
    n = 0
    for r, phrase in sorted(mentions_with_phrases(read_table(out, "mentions")),
                            key=lambda x: (x[0]["source_path"], x[0]["mention_id"])):
        was = old.get((r["source_path"], r["mention_id"]))
        if was is None or was.get("raw") != r["raw"]:
            continue
        if was.get("indicator") != r.get("indicator"):
            n += 1
            rule = (r.get("rule") or "").splitlines()[0] if r.get("rule") else ""
            print(f"{r['source_path']}  {phrase} {r['raw']}: {was.get('indicator') or '-'} → "
                  f"{r.get('indicator') or '-'}  [{rule}]")
            print(f"        {r['sentence'].strip()[:140]}")
    print(f"{n} mentions changed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output folder of fazhi run")
    ap.add_argument("--unmapped", action="store_true", help="only mentions with no indicator")
    ap.add_argument("--heads", action="store_true", help="group by the phrase's last four characters")
    ap.add_argument("--min", type=int, default=1, help="only groups seen at least this often")
    ap.add_argument("--examples", type=int, default=1, help="example sentences per group")
    ap.add_argument("--changes", metavar="BEFORE", help="list the mentions whose indicator differs from this run's")
    args = ap.parse_args()
    if args.changes:
        return changes(args.out, args.changes)

    groups = defaultdict(list)
    total = 0
    for r, phrase in mentions_with_phrases(read_table(args.out, "mentions")):
        if args.unmapped and r.get("indicator"):
            continue
        total += 1
        key = phrase[-4:] if args.heads else phrase
        groups[(key, r["unit"])].append(r)
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    shown = [(k, v) for k, v in ranked if len(v) >= args.min]
    print(f"{total} mentions, {len(groups)} distinct phrasings, {len(shown)} shown")
    for (phrase, unit), rs in shown:
        got = Counter(r.get("indicator") or "-" for r in rs)
        labels = ", ".join(f"{i} {n}" for i, n in got.most_common())
        print(f"{len(rs):>4}  {phrase or '(nothing)'}  [{unit}]  → {labels}")
        for r in rs[: args.examples]:
            print(f"        {r['source_path']}: {r['sentence'].strip()[:120]}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # piped into head
        sys.stderr.close()
