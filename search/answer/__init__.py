"""The answer stage: from a question to the figure, date or name that answers it, quoted
with its evidence, or an abstention that says why.

question.py    what is asked: answer type, place, level, period, predicate, counted thing
answerer.py    the answerer served (/ask, tracuu ask): rules over the parsed sentence
learned.py     the learned answerer (issue 12, measured, not yet served): scope, retrieval
               through the engine's public methods, candidates, the reader's choice,
               abstention, evidence
candidates.py  clause-level candidates in the passages read: figures, names, short spans
features.py    what the reader weighs for each candidate
reader.py      the learned reader: gradient-boosted trees from reader_weights.json (fitted by
               `make reader`, eval/reader_train.py; measured with grouped cross-validation)
facts.py       the table of figures across provinces × years (GET /facts, tracuu facts)
"""
from search.answer.answerer import Answerer  # noqa: F401
from search.answer.learned import LearnedAnswerer  # noqa: F401
