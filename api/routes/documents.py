from fastapi import APIRouter, HTTPException, Request

from api.schemas import DocumentView, ErrorMessage, ParagraphView

router = APIRouter(tags=["documents"])
NOT_FOUND = {404: {"model": ErrorMessage, "description": "unknown document or paragraph"}}


@router.get("/documents/{doc_id:path}/paragraphs/{n}", response_model=ParagraphView, responses=NOT_FOUND)
def paragraph(request: Request, doc_id: str, n: int):
    found = request.app.state.engine.paragraph(doc_id, n)
    if found is None:
        raise HTTPException(404, f"no paragraph {n} in document {doc_id!r}")
    return found


@router.get("/documents/{doc_id:path}", response_model=DocumentView, responses=NOT_FOUND)
def document(request: Request, doc_id: str):
    found = request.app.state.engine.document(doc_id)
    if found is None:
        raise HTTPException(404, f"no document {doc_id!r}")
    return found
