#!/usr/bin/env python3
"""Estimates what the index's word-boundary data would cost stored per gram occurrence
instead of as a bitmap of every character (issue 3: the docs file's bitmaps are 13.7 MB of
laws2013's 216 MB index without store).

    scripts/estimate-boundary-flags.py KENSAKU_BINARY CORPUS.jsonl [DOCS] [SEED]

Analyzes a random sample of DOCS bodies (default 150) with `kensaku analyze --json`, in
chunks of 20,000 characters, and for every gram occurrence at p with span L takes three
flags: a word boundary at p (its start), at p + 1 (after its first character: what a
one-character term needs) and at p + L (its end). Most grams nearly always or nearly never
start or end a word, so each term's flags are far from random. It prints, in bits a gram
occurrence:

  * the bitmap now (one bit a character),
  * the three flags entropy-coded with one static model a term (order 0), plus a rough
    cost of the models themselves,
  * the start and end flags only,
  * a simpler scheme: each term's most common (start, end) pattern implied, the other
    occurrences listed (gap and pattern).

On laws2013 (150 docs, 2.8 M grams): bitmap 1.035, entropy-coded 0.421 + 0.069 model,
start and end only 0.404, exception lists 0.645; with the bitmaps at 13.7 MB, about 6 and
8.5 MB. Chunk edges cut a few words; the estimate ignores that.
"""
import collections
import json
import math
import random
import subprocess
import sys


def main():
    kensaku, corpus = sys.argv[1], sys.argv[2]
    sample_size = int(sys.argv[3]) if len(sys.argv) > 3 else 150
    random.seed(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
    lines = open(corpus, encoding="utf-8").read().splitlines()
    sample = random.sample(lines, min(sample_size, len(lines)))
    flags = collections.defaultdict(lambda: [0] * 8)  # term → counts of (start, middle, end)
    characters = grams = 0
    for line in sample:
        body = json.loads(line).get("body", "")
        for at in range(0, len(body), 20_000):
            out = subprocess.run([kensaku, "analyze", "--json", body[at:at + 20_000]], capture_output=True, text=True)
            if out.returncode != 0:
                continue
            analyzed = json.loads(out.stdout)
            text = analyzed["text"]
            # Offsets are UTF-8 byte offsets into the original text: map them to characters.
            index, byte = {}, 0
            for i, ch in enumerate(text):
                index[byte] = i
                byte += len(ch.encode("utf-8"))
            index[byte] = len(text)
            bounds = set()
            for word in analyzed["words"]:
                bounds.add(index.get(word["start_offset"]))
                bounds.add(index.get(word["end_offset"]))
            characters += len(analyzed["normalized"])
            for gram in analyzed["grams"]:
                start, end = index.get(gram["start_offset"]), index.get(gram["end_offset"])
                if start is None or end is None:
                    continue
                first = gram["start_offset"] + len(gram["source"][0].encode("utf-8"))
                s = 1 if start in bounds else 0
                e = 1 if end in bounds else 0
                m = e if len(gram["term"]) == 1 else (1 if index.get(first) in bounds else 0)
                flags[gram["term"]][4 * s + 2 * m + e] += 1
                grams += 1

    def entropy(counts):
        n = sum(counts)
        return -sum(c / n * math.log2(c / n) for c in counts if c) if n else 0.0

    coded = sum(sum(c) * entropy(c) for c in flags.values())
    models = sum(sum(1 for x in c if x) * math.log2(sum(c) + 1) for c in flags.values())
    start_end = sum(sum(c) * entropy([c[0] + c[2], c[1] + c[3], c[4] + c[6], c[5] + c[7]]) for c in flags.values())
    listed = 0.0
    for c in flags.values():
        pairs = [c[0] + c[2], c[1] + c[3], c[4] + c[6], c[5] + c[7]]
        n, k = sum(pairs), sum(pairs) - max(pairs)
        if k:
            listed += k * (math.log2(n / k) + 1.5 + 2)
    print(f"sample: {len(sample)} docs, {characters:,} characters, {grams:,} grams, {len(flags):,} terms")
    print(f"bitmap now:                  {characters / grams:.3f} bits a gram")
    print(f"3 flags, entropy-coded:      {coded / grams:.3f} (+ {models / grams:.3f} for the models)")
    print(f"start and end flags only:    {start_end / grams:.3f}")
    print(f"exception lists (start,end): {listed / grams:.3f}")


if __name__ == "__main__":
    main()
