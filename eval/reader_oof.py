"""Which score the reader's abstention threshold should be set on, measured out of fold.

    python -m eval.reader_oof        # prints; the run of 2026-11-30 is in eval/results/reader_oof.md

GroupKFold(5) over documents on the pooled labelled sets (eval/reader_train.py), no inner
folds: each question of corpus/ and the laws is scored by trees fitted without its document,
and for each candidate confidence (the best candidate's probability p1; its margin over the
best candidate with another text; its share of the question's probability mass; p1 × share)
the best answerable-right rate with at most 2% of the questions answered wrong — the
threshold chosen on these same out-of-fold scores, so optimistic for every confidence alike:
it compares them, it is not the served reader's accuracy. Also: how often the reader's first
choice is right when the question has candidates.
"""


def main():
    import numpy as np
    from eval import reader_train as rt
    recs = []
    for name in ("corpus", "laws", "viwiki"):
        recs += rt.question_records(name, None, log=lambda m: None)
    from sklearn.model_selection import GroupKFold
    from search.answer.reader import Reader
    groups = [r["group"] for r in recs]
    rows = []
    for tr, te in GroupKFold(5).split(recs, groups=groups):
        w = rt.fit([recs[i] for i in tr], inner_folds=0)
        reader = Reader(w)
        for i in te:
            r = recs[i]
            if r["set"] == "viwiki":
                continue
            best = None
            for f, cs in r["found"].items():
                if f not in reader.models or not cs:
                    continue
                m = reader.models[f]
                p = 1 / (1 + np.exp(-m.raw(rt.matrix(r, f, m.features))))
                order = np.argsort(-p)
                p1 = p[order[0]]; p2 = p[order[1]] if len(p) > 1 else 0.0
                # distinct values: the same figure quoted twice is not a rival
                c1 = cs[order[0]]
                rival = max((p[j] for j in order[1:] if cs[j].text != c1.text), default=0.0)
                cand = dict(family=f, p1=float(p1), margin=float(p1 - rival), share=float(p1 / p.sum()),
                            right=bool(c1.label >= 0.5))
                if best is None or cand["p1"] > best["p1"]:
                    best = cand
            item = r["item"]
            rows.append(dict(set=r["set"], answerable=item.get("answerable", True), best=best))
    n = len(rows)
    for key in ("p1", "margin", "share", "p1*share"):
        for family_filter in (None,):
            vals = []
            for r in rows:
                b = r["best"]
                if b is None: continue
                v = b["p1"] * b["share"] if key == "p1*share" else b[key]
                ok = r["answerable"] and b["right"]
                vals.append((v, ok, r["set"], r["answerable"]))
            vals.sort(key=lambda x: -x[0])
            answerable = {s: sum(1 for r in rows if r["answerable"] and r["set"] == s) for s in ("corpus", "laws")}
            totals = {s: sum(1 for r in rows if r["set"] == s) for s in ("corpus", "laws")}
            right = {"corpus": 0, "laws": 0}; wrong = {"corpus": 0, "laws": 0}; best_point = None
            for v, ok, s, a in vals:
                if ok: right[s] += 1
                else: wrong[s] += 1
                if sum(wrong.values()) <= 0.02 * n:
                    best_point = (round(v, 3), {k: round(right[k] / answerable[k], 3) for k in right}, dict(wrong))
            print(key, "best at <=2% wrong (threshold chosen on OOF):", best_point)
    # top-1 given gold candidate
    for s in ("corpus", "laws"):
        rr = [r for r in rows if r["set"] == s and r["answerable"] and r["best"]]
        print(s, "first choice right (of answerable with candidates)", sum(r["best"]["right"] for r in rr), "/", len(rr))


if __name__ == "__main__":
    main()
