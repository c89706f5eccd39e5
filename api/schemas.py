"""Request and response models of the HTTP API (they are also the OpenAPI schema)."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, Field

Mode = Literal["bm25", "dense", "hybrid"]


class SearchRequest(BaseModel):
    query: str = Field(..., description="question or keywords; Vietnamese with or without diacritics, or English")
    k: int = Field(10, ge=1, le=100, description="number of passages to return")
    mode: Mode = "hybrid"


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
    citation: str
    span: list[int] = Field(..., description="[start, end) character span of the passage in the document text")
    footnotes: list[Footnote] = []
    scores: dict[str, Optional[float]] = Field({}, description="per-retriever scores (bm25, dense)")


class SearchResponse(BaseModel):
    query: str
    mode: Mode
    took_ms: float
    results: list[SearchHit]


class Health(BaseModel):
    status: str
    model: str
    dimension: int
    documents: int
    passages: int
    index_version: str
    created_at: Optional[str] = None


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


class DocumentView(BaseModel):
    doc_id: str
    title: str
    source: str
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


class ErrorMessage(BaseModel):
    detail: str
