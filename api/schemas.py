"""Response models of the HTTP API (they are also the OpenAPI schema); the request models,
with their validation, are in api/contract.py."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field

from api.contract import AskBody, CompareBody, Mode, SearchBody  # noqa: F401 (the request models)
from api.problems import Problem

# the request models' former names
SearchWithFilters = SearchRequest = SearchBody
AskRequest = AskBody
CompareRequest = CompareBody


class Footnote(BaseModel):
    marker: str
    text: str
    start: int
    end: int


class SearchHit(BaseModel):
    rank: int
    score: float
    passage_id: str
    doc_id: str
    title: str
    paragraph: int = Field(..., description="1-based paragraph number in the document")
    heading_path: list[str]
    section: str = Field(..., description="section markers, e.g. 'B. II. 4.2' or 'Điều 12, khoản 2'")
    text: str
    highlights: list[list[int]] = Field(..., description="[start, end) offsets into text of matched terms")
    paragraph_end: Optional[int] = Field(None, description="last paragraph of the passage (= paragraph for most)")
    citation: str
    citation_vi: Optional[str] = Field(None, description="the citation in the Vietnamese administrative style: "
                                                         "'Báo cáo số …/BC-SNV ngày …/7/2020 của Sở Nội vụ tỉnh Bắc "
                                                         "Giang, mục B.II.4.2, đoạn 37'")
    span: list[int] = Field(..., description="[start, end) character span of the passage in the document text")
    footnotes: list[Footnote] = []
    scores: dict[str, Optional[float]] = Field({}, description="per-retriever scores (bm25, dense)")
    metadata: dict = Field({}, description="the document's province, district, issuer, doc_type, date, period, "
                                           "signer, references (directive ids)")
    page: Optional[int] = Field(None, description="PDF page of the passage")
    passage_ids: Optional[list[str]] = Field(None, description="when consecutive pieces of one paragraph are "
                                                               "shown as one hit: their passage ids")


class FacetCount(BaseModel):
    value: Optional[str | int]
    count: int


class SearchResponse(BaseModel):
    query: str
    mode: Mode
    took_ms: float
    results: list[SearchHit]
    filters: dict = {}
    facets: dict[str, list[FacetCount]] = Field({}, description="documents per province, doc_type and year "
                                                                "among every document holding a query term "
                                                                "(under the filters)")
    query_restored: Optional[str] = Field(None, description="the query with diacritics restored for the encoder")


class Health(BaseModel):
    status: str
    model: str
    dimension: int
    documents: int
    passages: int
    index_version: str
    created_at: Optional[str] = None
    store: Optional[str] = Field(None, description="where the index lives (no password)")
    warnings: list[str] = Field([], description="e.g. the current index version is damaged and an older "
                                                "intact one is served (status 'degraded')")
    updates: str = Field("off", description="who may add documents: 'open' (--allow-updates without keys), "
                                            "'admin' (an admin API key), 'off'")


class Paragraph(BaseModel):
    n: int
    kind: str
    start: int
    end: int
    section: str
    text: str


class Passage(BaseModel):
    passage_id: str
    doc_id: str
    title: str
    paragraph: int
    paragraph_end: int
    heading_path: list[str]
    section: str
    text: str
    start: int
    end: int
    footnotes: list[Footnote] = []
    part: int
    parts: int
    citation: str
    citation_vi: Optional[str] = None


class DocumentView(BaseModel):
    doc_id: str
    title: str
    source: str
    metadata: dict = Field({}, description="province, district, issuer, doc_type, number, date, period, signer, "
                                           "references (cited directives)")
    text: str
    paragraphs: list[Paragraph]
    footnotes: list[Footnote]
    passages: list[Passage]


class ParagraphView(BaseModel):
    doc_id: str
    title: str
    paragraph: int
    kind: str
    section: str
    text: str
    span: list[int]
    passage_ids: list[str]


# every error body is a problem detail (RFC 9457, api/problems.py)
ErrorMessage = Problem


# --- answers, research (issues 3 and 4) ----------------------------------------------
class AnswerValue(BaseModel):
    kind: str
    number: Optional[float] = None
    unit: Optional[str] = None
    raw: str
    denominator: Optional[float] = None
    end_number: Optional[float] = None
    date: Optional[str] = None
    scaled: Optional[float] = None


class Evidence(BaseModel):
    passage_id: str
    doc_id: str
    title: str
    paragraph: int
    sentence: str
    span: list[Optional[int]] = Field(..., description="[start, end) of the answer in the document text")
    answer_in_passage: list[int] = Field(..., description="[start, end) of the answer in the passage text")
    citation: str
    scores: Optional[dict] = None


class AnswerResponse(BaseModel):
    question: str
    answer: Optional[str] = Field(None, description="quoted from the source with its unit; null when unsupported")
    value: Optional[AnswerValue] = None
    answer_type: str = Field(..., description="number, percent, ratio, date, entity, or passage for questions "
                                              "of no known kind (the shortest span that answers is still given)")
    confidence: float
    reason: Optional[str] = Field(None, description="why there is no answer, when there is none")
    analysis: dict
    evidence: list[Evidence]
    best_guess_evidence: list[Evidence] = Field(
        [], description="when the answer is withheld (answer null, the reader not sure enough): the sentence "
                        "its first choice stands in, cited like `evidence` (`span` and `answer_in_passage` mark "
                        "the withheld figure or name) — a sentence that may be related, to show quoted under the "
                        "refusal, never as the answer; [] when an answer is given, when no document may answer "
                        "(another place or period) or when no passage read holds a candidate")
    passages: list[SearchHit]


class CompareGroup(BaseModel):
    key: Optional[str | int] = Field(..., description="the province, document type or year; by year, a report "
                                                      "on a period is its own group labelled '2015–2020' (its "
                                                      "figures are the period's totals); null: unknown")
    period: Optional[dict] = Field(None, description="by year: the years the group covers, {from, to}")
    documents: Optional[int] = Field(None, description="documents of this group the query matches")
    count: int = Field(..., description="passages of this group among the ranked candidates")
    results: list[SearchHit]


class CompareResponse(BaseModel):
    query: str
    mode: Mode
    group_by: str
    k_per_group: int
    took_ms: float
    groups: list[CompareGroup]


class DirectiveSummary(BaseModel):
    id: str
    type: Optional[str] = None
    documents: int
    mentions: int
    date: Optional[str] = None
    issuer: Optional[str] = None
    spellings: list[str] = Field([], description="every way the documents write this id "
                                 "(\"13/CT-UBND\", \"13-CT/UBND\"), the id first")


class DirectiveDocument(BaseModel):
    doc_id: str
    title: str
    metadata: dict
    mentions: int
    passages: list[SearchHit]


class DirectiveView(BaseModel):
    id: str
    type: Optional[str] = None
    date: Optional[str] = None
    issuer: Optional[str] = None
    spellings: list[str] = Field([], description="every way the documents write this id "
                                 "(\"13/CT-UBND\", \"13-CT/UBND\"), the id first")
    documents: list[DirectiveDocument]


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    source: str
    passages: int
    metadata: dict


# --- index updates (issue 6) ----------------------------------------------------------
class Rejection(BaseModel):
    file: str
    reason: str
    reason_vi: str = Field("", description="the reason in Vietnamese, as the page shows it")
    skipped: bool = Field(..., description="true: not a document (empty, unsupported); false: a broken file")


class AddedFile(BaseModel):
    file: str
    doc_ids: list[str] = Field(..., description="the documents read from it (GET /documents/{doc_id}, /view/{doc_id})")


class UploadResult(BaseModel):
    added: list[str]
    rejected: list[Rejection]
    index_version: str
    documents: int
    passages: int
    passages_embedded: int
    files: list[AddedFile] = []


class RemoveResult(BaseModel):
    removed: list[str]
    index_version: str
    documents: int
    passages: int


# --- the search page: documents with their best passages, precedents (issue 13) -------------
class DocumentHit(BaseModel):
    rank: int
    doc_id: str
    title: str
    score: float = Field(..., description="the score of its best passage")
    metadata: dict = {}
    matched: int = Field(..., description="passages of this document among the ranked candidates")
    passages: list[SearchHit] = Field(..., description="its best passages, consecutive pieces of one "
                                                       "paragraph merged (`passage_ids` names them)")


class DocumentSearchResponse(BaseModel):
    query: str
    mode: Mode
    took_ms: float
    total_documents: int = Field(..., description="documents matching the query under the filters")
    documents: list[DocumentHit]
    filters: dict = {}
    facets: dict[str, list[FacetCount]] = Field({}, description="documents per province, doc_type and year")
    query_restored: Optional[str] = None


class FactIndicator(BaseModel):
    query: str
    predicate: Optional[str] = Field(None, description="predicate group asked: resolve, receive, meet, reduce …")
    words: list[str] = Field(..., description="content words of the counted thing (folded)")
    rate: Optional[bool] = Field(None, description="true: rates (%), false: counts")
    unit: Optional[str] = Field(None, description="unit class asked: visits (lượt), people, cases …")
    qualifiers: list[str] = Field(default_factory=list, description="qualifiers asked (thuoc-tham-quyen, dinh-ky, "
                                                                    "chu-tich-huyen …); facts must have exactly these")
    label: Optional[str] = Field(None, description="the canonical Vietnamese label when the cells share one")


class FactRowGroup(BaseModel):
    row: str
    province: Optional[str] = None
    district: Optional[str] = None
    level: Optional[str] = Field(None, description="tỉnh, huyện or xã")
    parent: Optional[str] = Field(None, description="the province row a district row is grouped under")


class FactNote(BaseModel):
    n: int
    citation_vi: str = Field(..., description="the cell's citation in the Vietnamese administrative style")
    citation: str
    sentence: str
    link: str


class FactVariant(BaseModel):
    indicator: str
    label: str
    qualifiers: list[str]
    facts: int


class ChartPoint(BaseModel):
    x: str
    y: Optional[float] = None
    raw: str
    note: int
    link: str


class ChartSeries(BaseModel):
    name: str
    points: list[ChartPoint]


class FactChart(BaseModel):
    kind: str = Field(..., description="bar (one period or non-year columns) or line (by year)")
    unit: Optional[str] = None
    series: list[ChartSeries]


class FactBrief(BaseModel):
    raw: str
    value: Optional[float] = None
    label: str
    passage_id: str
    paragraph: int
    link: str


class FactCell(BaseModel):
    row: str = Field(..., description="the row key (a province by default)")
    column: str = Field(..., description="the column key (a year or period: '2019', '2015–2020', "
                                         "'2020 (6 tháng đầu năm)')")
    value: Optional[float] = None
    raw: str = Field(..., description="the figure as written, unit included")
    unit: Optional[str] = None
    kind: str = Field(..., description="number, money, percent or ratio")
    denominator: Optional[float] = None
    label: str = Field(..., description="the indicator this figure measures, in words")
    indicator: str = Field(..., description="the normalised indicator key: predicate:counted-words[:rate]")
    wording: Optional[str] = Field(None, description="the document's own words for what is counted")
    qualifiers: list[str] = Field(default_factory=list)
    place: Optional[str] = Field(None, description="district, province of the figure")
    province: Optional[str] = None
    district: Optional[str] = None
    level: Optional[str] = Field(None, description="tỉnh, huyện or xã")
    period: str
    period_inferred: bool = Field(False, description="the year is not in the figure's sentence: taken from its "
                                                     "paragraph, section or document (period_source)")
    period_source: Optional[str] = None
    sub_period: Optional[str] = None
    doc_id: str
    passage_id: str
    paragraph: int
    span: list[int] = Field(..., description="[start, end) of the figure in the document text")
    sentence: str
    citation: str
    citation_vi: Optional[str] = None
    note: int = Field(0, description="its number in the source note under the table")
    link: str = Field(..., description="the document view at this paragraph")
    others: list[FactBrief] = Field(default_factory=list, description="other figures of the same cell")


class FactTableResponse(BaseModel):
    indicator: FactIndicator
    by: list[str]
    rows: list[str]
    row_groups: list[FactRowGroup] = Field(default_factory=list, description="each row's place and level, "
                                           "district rows under their province")
    columns: list[str]
    cells: list[FactCell]
    chart: Optional[FactChart] = None
    labels: list[str] = Field(default_factory=list, description="the indicators' canonical labels")
    wordings: list[str] = Field(default_factory=list, description="the documents' wordings merged into them")
    variants: list[FactVariant] = Field(default_factory=list, description="indicators with the same words and "
                                        "other qualifiers (not in the table)")
    notes: list[FactNote] = Field(default_factory=list, description="the numbered source note")
    facts: int = Field(..., description="figures matching the indicator")
    reason: Optional[str] = Field(None, description="why the table is empty, when the indicator names nothing "
                                                    "to count")


class PrecedentsResponse(BaseModel):
    passage_id: str
    doc_id: str
    province: Optional[str] = Field(None, description="the passage's province; results come from the others")
    results: list[SearchHit]


# --- the home page (issue 25) -----------------------------------------------------------------
class NewDocument(BaseModel):
    doc_id: str
    title: str
    metadata: dict = {}


class ExampleQuestion(BaseModel):
    question: str
    kind: str = Field(..., description="'question': /ask answers it; 'search': a search on a document's title")
    answer: Optional[str] = Field(None, description="the answer /ask gave when the overview was computed")
    doc_id: str


class ArchiveOverviewResponse(BaseModel):
    index_version: str
    documents: int
    passages: int
    facets: dict[str, list[FacetCount]] = Field(..., description="documents per province, doc_type and year "
                                                                 "(a document counts for each year of its period)")
    newest: list[NewDocument] = Field(..., description="the newest documents by date (else by period)")
    examples: list[ExampleQuestion]
    examples_pending: bool = Field(False, description="the examples are still being computed for this index "
                                                      "version: ask again in a few seconds")
    updates: str = Field(..., description="who may add documents: 'open' (--allow-updates without keys), "
                                          "'admin' (an admin API key), 'off'")
