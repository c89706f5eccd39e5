"""The answer stage: from a question to the figure, date or name that answers it, quoted
with its evidence, or an abstention that says why.

question.py    what is asked: answer type, place, level, period, predicate, counted thing
learned.py     the answerer served (/ask, tracuu ask; served_answerer below): scope, retrieval
               through the engine's public methods, candidates, the reader's choice,
               abstention, evidence
span_reader.py the neural span reader (question + passage window → start/end scores): its
               spans are features and candidates of the learned answerer
candidates.py  clause-level candidates in the passages read: figures, names, short spans
features.py    what the reader weighs for each candidate
reader.py      the learned reader: gradient-boosted trees and a logistic verifier from
               reader_weights.json (fitted by `make reader`, eval/reader_train.py; measured
               with grouped cross-validation)
facts.py       the table of figures across provinces × years (GET /facts, tracuu facts)
"""
from collections import OrderedDict
from functools import lru_cache

from search.answer.learned import LearnedAnswerer
from search.answer.reader import Reader


@lru_cache(maxsize=1)
def served_span_reader():
    """The neural span reader (span_reader.py), loaded once per process; None where its ONNX
    export is missing (set-up not run: `make model`), and the answers are read without it."""
    import sys

    from search.answer.span_reader import SpanReader

    try:
        return SpanReader()
    except FileNotFoundError as err:
        print(f"tracuu: answers without the span reader: {err}", file=sys.stderr)
        return None


@lru_cache(maxsize=1)
def served_reader() -> Reader:
    """The reader's weights, read once per process (they change only with `make reader`)."""
    return Reader()


def served_answerer(engine) -> LearnedAnswerer:
    """What /ask and `tracuu ask` answer with: the learned reader, the neural span reader's
    spans among its features and candidates (learned.py).

    Made for one question (it is cheap: what it derives from the index is kept with the index
    version, IndexView.derived): it reads the engine pinned to the version served now, so one
    answer retrieves and quotes from one version, whatever `tracuu add` or `remove` commits
    meanwhile."""
    engine = engine.pinned()
    cache = engine.view.derived("answers.similarity", OrderedDict)
    reader = served_reader()
    # the span reader is read only for weights fitted on its features (`make reader` with it exported):
    # other weights would score its candidates blind, and pay its cost for nothing
    reads_spans = any("span_margin" in model.features for model in reader.models.values())
    return LearnedAnswerer(engine, reader=reader, similarity_cache=cache,
                           span_reader=served_span_reader() if reads_spans else None,
                           span_cache=engine.view.derived("answers.spans", OrderedDict))
