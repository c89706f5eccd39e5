"""What the HTTP API accepts: every request is validated here, once, before any work is done.

One contract for every route (issue 13, item 7):
- the query is `q` everywhere (GET parameter and JSON field); the old JSON names `query`
  (/search, /compare) and `question` (/ask) are still accepted, exactly one of the three;
- `k` is 1..100 on every route that returns passages; `k_per_group` (/compare) 1..20;
- `facets` (true by default) on every route that returns facet counts (/search, /search/documents):
  false skips counting them for a caller that shows only the results;
- an unknown query parameter or JSON field is a 422 naming it (a misspelt `provnce` used
  to be ignored and return unfiltered results).
Text is made safe at this boundary (issue 14): lone surrogates and invisible format
characters are dropped, control characters become spaces, the text is NFC-normalised;
it is bounded by TRACUU_MAX_QUERY_CHARS; a query needs a letter or digit and a question
a letter ("?", "1.", "4." are refused with the reason). The JSON schema of each text
field says the same (minLength, maxLength, pattern), so the OpenAPI document is true.
"""
from __future__ import annotations

import difflib
import os
import re
import unicodedata
from typing import Annotated, Literal, Optional

from fastapi import Query, Request
from fastapi.dependencies.utils import get_flat_dependant
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from search.filters import Filters

MAX_QUERY_CHARS_ENV = "TRACUU_MAX_QUERY_CHARS"
DEFAULT_MAX_QUERY_CHARS = 2000


def _max_query_chars(environ=os.environ) -> int:
    raw = environ.get(MAX_QUERY_CHARS_ENV, "")
    try:
        value = int(raw) if raw.strip() else DEFAULT_MAX_QUERY_CHARS
    except ValueError:
        raise ValueError(f"{MAX_QUERY_CHARS_ENV}={raw!r} is not a whole number of characters") from None
    if value < 1:
        raise ValueError(f"{MAX_QUERY_CHARS_ENV}={raw!r} must be at least 1")
    return value


# read once at start-up: the OpenAPI document states it as maxLength
MAX_QUERY_CHARS = _max_query_chars()
MAX_K = 100
MAX_K_PER_GROUP = 20
MAX_FILTER_CHARS = 200
QUERY_NAMES = ("q", "query", "question")  # the name, then the old names kept as aliases

# Latin letters (Vietnamese included: Đ, Ơ, Ư are in Latin Extended-A/B, the tone-marked
# vowels in Latin Extended Additional). Written as literal ranges so that the JSON schema
# pattern means the same in Python, ECMAScript and Rust regex engines.
LETTERS = "A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ"
SEARCH_PATTERN = f"[0-9{LETTERS}]"
QUESTION_PATTERN = f"[{LETTERS}]"
_SEARCH_CONTENT = re.compile(SEARCH_PATTERN)
_QUESTION_CONTENT = re.compile(QUESTION_PATTERN)
_KEEP_CONTROLS = {"\t", "\n", "\r"}


def scrub_text(text: str) -> str:
    """Valid, visible text: lone surrogates (a JSON "\\ud800" escape; the word segmenter's native
    code cannot encode them), format characters (zero-width spaces, bidi controls, BOM) dropped;
    other control characters → space; NFC. Letters and digits are never touched."""
    if not text.isprintable():
        kept = []
        for ch in text:
            category = unicodedata.category(ch)
            if category in ("Cs", "Cf"):
                continue
            kept.append(" " if category == "Cc" and ch not in _KEEP_CONTROLS else ch)
        text = "".join(kept)
    return unicodedata.normalize("NFC", text).strip()


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 1.000.000, as Vietnamese writes it


def _problem(kind: str, message: str) -> PydanticCustomError:
    # the message is already the Vietnamese text api/problems.py shows
    return PydanticCustomError(kind, "{message}", {"message": message})


def _text_validator(content: re.Pattern | None, needs: str):
    def validate(value: str) -> str:
        if len(value) > MAX_QUERY_CHARS:
            raise _problem("text_too_long", f"dài {_thousands(len(value))} ký tự, tối đa "
                                            f"{_thousands(MAX_QUERY_CHARS)} (cài đặt {MAX_QUERY_CHARS_ENV})")
        text = scrub_text(value)
        if not text:
            raise _problem("text_empty", "không được để trống")
        if content is not None and not content.search(text):
            raise _problem("text_without_content", f"không có nội dung để tìm: cần ít nhất {needs}")
        return text
    return validate


def _text_schema(pattern: str | None, max_chars: int = MAX_QUERY_CHARS) -> dict:
    schema = {"type": "string", "minLength": 1, "maxLength": max_chars}
    if pattern:
        schema["pattern"] = pattern
    return schema


SearchText = Annotated[str, AfterValidator(_text_validator(_SEARCH_CONTENT, "một chữ cái hoặc chữ số")),
                       WithJsonSchema(_text_schema(SEARCH_PATTERN))]
QuestionText = Annotated[str, AfterValidator(_text_validator(_QUESTION_CONTENT, "một từ (chữ cái), ví dụ "
                                                             "«Nghệ An đã giải quyết bao nhiêu đơn khiếu nại?»")),
                         WithJsonSchema(_text_schema(QUESTION_PATTERN))]


def _filter_text(value: str) -> str:
    if len(value) > MAX_FILTER_CHARS:
        raise _problem("text_too_long", f"dài {len(value)} ký tự, tối đa {MAX_FILTER_CHARS}")
    return scrub_text(value)


FilterText = Annotated[str, AfterValidator(_filter_text), WithJsonSchema({"type": "string",
                                                                         "maxLength": MAX_FILTER_CHARS})]
K = Annotated[int, Field(ge=1, le=MAX_K)]
KPerGroup = Annotated[int, Field(ge=1, le=MAX_K_PER_GROUP)]
Year = Annotated[int, Field(ge=1900, le=2100)]
Mode = Literal["bm25", "dense", "hybrid"]
GroupBy = Literal["province", "year", "doc_type"]

Q_DESCRIPTION = (f"the query: a question or keywords, Vietnamese with or without diacritics, or English; "
                 f"at most {MAX_QUERY_CHARS} characters ({MAX_QUERY_CHARS_ENV}); needs a letter or digit")
QUESTION_DESCRIPTION = ("the question (Vietnamese with or without diacritics, or English); needs a letter: "
                        "“?” or “4.” are not questions")
YEAR_TO_DESCRIPTION = ("last year (inclusive). A range given backwards is read in order: year_from=2022 "
                       "with year_to=2020 selects 2020–2022, as the filters in the response show")
FACETS_DESCRIPTION = ("count documents per province, doc_type and year over every match (default true); "
                      "false returns `facets: {}` and saves that work for a caller that shows only the "
                      "results (the CLI's text output, the widget)")


# --- JSON bodies ------------------------------------------------------------------------------
def _body_schema(schema: dict, _model) -> None:
    """The query is one of q / query / question (old names), exactly one."""
    present = [n for n in QUERY_NAMES if n in schema.get("properties", {})]
    for name in present:
        schema["properties"][name].pop("default", None)
    schema["oneOf"] = [{"required": [n]} for n in present]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_body_schema)

    province: Optional[FilterText] = Field(None, description="e.g. 'Nghệ An' (accents optional)")
    district: Optional[FilterText] = Field(None, description="huyện / thị xã / thành phố, e.g. 'Bình Sơn'")
    doc_type: Optional[FilterText] = Field(None, description="báo cáo, kết luận, chỉ thị, nghị quyết, kế hoạch, "
                                                             "quyết định, quy chế, luật, bộ luật, tin bài")
    year_from: Optional[Year] = Field(None, description="first year (inclusive): overlaps the reporting "
                                                        "period or date")
    year_to: Optional[Year] = Field(None, description=YEAR_TO_DESCRIPTION)
    references: Optional[FilterText] = Field(None, description="a cited directive, e.g. '114-KL/TW' or 'KL 114'")

    @model_validator(mode="after")
    def _one_query_and_ordered_years(self):
        given = [n for n in QUERY_NAMES if self.__dict__.get(n) is not None]
        if not given:
            raise PydanticCustomError("missing", "{message}", {"message": "thiếu tham số bắt buộc", "parameter": "q"})
        if len(given) > 1:
            raise PydanticCustomError("query_twice", "{message}", {
                "message": f"chỉ gửi một trong {', '.join(given)} (q là tên chính; query và question là tên cũ)",
                "parameter": given[1]})
        self.__dict__["q"] = self.__dict__[given[0]]
        self.__dict__["year_from"], self.__dict__["year_to"] = ordered_years(self.year_from, self.year_to)
        return self

    def filters(self) -> Filters:
        return Filters(self.province, self.district, self.doc_type, self.year_from, self.year_to, self.references)


def _old_name():
    return Field(None, description="old name of `q`, still accepted (send exactly one of q, query, question)",
                 json_schema_extra={"deprecated": True})


class SearchBody(_Body):
    q: SearchText = Field(None, description=Q_DESCRIPTION)
    query: SearchText = _old_name()
    question: SearchText = _old_name()
    k: K = Field(10, description="passages to return (1–100)")
    mode: Mode = "hybrid"
    facets: StrictBool = Field(True, description=FACETS_DESCRIPTION)  # JSON true/false only, not 0 or "no"


class AskBody(_Body):
    q: QuestionText = Field(None, description=QUESTION_DESCRIPTION)
    query: QuestionText = _old_name()
    question: QuestionText = _old_name()
    k: K = Field(5, description="passages returned with the answer (1–100)")


class CompareBody(_Body):
    q: SearchText = Field(None, description=Q_DESCRIPTION)
    query: SearchText = _old_name()
    question: SearchText = _old_name()
    group_by: GroupBy = "province"
    k_per_group: KPerGroup = Field(3, description="passages per group (1–20)")
    mode: Mode = "hybrid"


# --- GET parameters -------------------------------------------------------------------------------
def ordered_years(year_from: int | None, year_to: int | None) -> tuple[int | None, int | None]:
    """A year range given backwards (2022 → 2020) read in order (2020 → 2022). Accepted rather
    than refused because JSON Schema cannot state an order between two parameters: the
    OpenAPI document says each year is 1900–2100 and the descriptions say how a reversed
    range is read, so every request the schema allows is one the server serves (issue 24)."""
    if year_from is not None and year_to is not None and year_from > year_to:
        return year_to, year_from
    return year_from, year_to


def query_filters(province: Annotated[Optional[FilterText], Query(description="e.g. 'Nghệ An' (accents optional)")] = None,
                  district: Annotated[Optional[FilterText], Query(description="e.g. 'Bình Sơn'")] = None,
                  doc_type: Annotated[Optional[FilterText], Query(description="báo cáo, kết luận, chỉ thị, …")] = None,
                  year_from: Annotated[Optional[Year], Query(description="first year (inclusive)")] = None,
                  year_to: Annotated[Optional[Year], Query(description=YEAR_TO_DESCRIPTION)] = None,
                  references: Annotated[Optional[FilterText], Query(description="a cited directive, e.g. "
                                                                                "114-KL/TW")] = None,
                  ) -> Filters:
    year_from, year_to = ordered_years(year_from, year_to)
    return Filters(province, district, doc_type, year_from, year_to, references)


# --- unknown parameters ------------------------------------------------------------------------------
_known_parameters: dict[int, frozenset[str]] = {}


def reject_unknown_query_parameters(request: Request) -> None:
    """A router dependency: a query parameter the route does not declare is a 422 naming it."""
    route = request.scope.get("route")
    if route is None or not request.query_params:
        return
    known = _known_parameters.get(id(route))
    if known is None:
        known = frozenset(p.alias for p in get_flat_dependant(route.dependant).query_params)
        _known_parameters[id(route)] = known
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in known]
    if not unknown:
        return
    errors = []
    for name in unknown:
        message = "tham số không được hỗ trợ ở đây"
        close = difflib.get_close_matches(name, sorted(known), n=1)
        if close:
            message += f" (có phải ý bạn là `{close[0]}`?)"
        elif known:
            message += f"; các tham số được hỗ trợ: {', '.join(sorted(known))}"
        errors.append({"type": "extra_forbidden", "loc": ("query", name), "msg": message,
                       "ctx": {"message": message}, "input": request.query_params.get(name)})
    raise RequestValidationError(errors)
