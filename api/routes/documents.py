from fastapi import APIRouter, HTTPException, Request
from starlette.convertors import Convertor, register_url_convertor

from api.problems import problem_content
from api.routes import served_engine
from api.schemas import DocumentView, ParagraphView

router = APIRouter(tags=["documents"])
NOT_FOUND = {404: problem_content("unknown document or paragraph")}


class DocumentIdConvertor(Convertor):
    """A doc_id is a path relative to the corpus folder ("sub/report.txt"), so it may hold
    "/"; but never ends in "/paragraphs/<n>" (files need a suffix), which is the paragraph
    route. Without this, DELETE /documents/{doc_id} also matched paragraph URLs and the
    paragraph URLs' Allow header named DELETE."""
    regex = r"(?!.*/paragraphs/[^/]*$).+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("doc_id", DocumentIdConvertor())


@router.get("/documents/{doc_id:path}/paragraphs/{n}", response_model=ParagraphView, responses=NOT_FOUND)
def paragraph(request: Request, doc_id: str, n: int):
    found = served_engine(request).paragraph(doc_id, n)
    if found is None:
        raise HTTPException(404, f"Văn bản {doc_id!r} không có đoạn {n}.")
    return found


@router.get("/documents/{doc_id:doc_id}", response_model=DocumentView, responses=NOT_FOUND)
def document(request: Request, doc_id: str):
    found = served_engine(request).document(doc_id)
    if found is None:
        raise HTTPException(404, f"Không có văn bản {doc_id!r} (xem GET /documents).")
    return found
