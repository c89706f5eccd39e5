"""The answer stage: from a question to the figure, date or name that answers it, quoted
with its evidence, or an abstention that says why.

question.py    what is asked: answer type, place, level, period, predicate, counted thing
answerer.py    the answerer served today (/ask, tracuu ask): rules over the parsed sentence
learned.py     the learned reader's answerer: clause-level candidates (candidates.py), their
               features (features.py), weights learned by eval/reader_train.py and loaded from
               reader_weights.json (reader.py). Measured with grouped cross-validation by
               `make eval`; not yet the default — see the README's Answers results
facts.py       the table of figures across provinces × years (GET /facts, tracuu facts)
"""
from search.answer.answerer import Answerer  # noqa: F401
