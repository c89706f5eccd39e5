"""The answer stage: from a question to the figure, date or name that answers it, quoted
with its evidence, or an abstention that says why.

question.py   what is asked: answer type, place, level, period, counted thing
answerer.py   the orchestration: scope, retrieval through the engine, reading, response
"""
from search.answer.answerer import Answerer  # noqa: F401
