"""POST /documents (multipart upload) and DELETE /documents/{doc_id}: change the index.

Disabled unless allowed, with a 403 that says how to allow them:
- with API keys configured (TRACUU_API_KEYS_FILE, api/auth.py), a key of scope
  `admin` is required (the key middleware and `require_scope("admin")` check it);
- without keys, only when the server was started with `tracuu serve --allow-updates`
  or TRACUU_ALLOW_UPDATES=1.
Uploaded files go where `tracuu add` puts them: into the corpus folder recorded in
the index manifest (indexer/updates.py); the index is rebuilt incrementally and the
engine switches to the new version; requests in flight finish on the old one.
"""
from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse

from api.auth import require_scope
from api.schemas import ErrorMessage, RemoveResult, UploadResult

ALLOW_UPDATES_ENV = "TRACUU_ALLOW_UPDATES"
DISABLED = ("document updates are disabled on this server: configure an admin API key "
            "(TRACUU_API_KEYS_FILE; `tracuu keys add NAME --scope admin`) or start it with "
            "`tracuu serve --allow-updates` (or TRACUU_ALLOW_UPDATES=1)")

router = APIRouter(tags=["documents"])
_update_lock = threading.Lock()


def updates_allowed(request: Request) -> None:
    config = getattr(request.app.state, "auth", None)
    if config is not None and getattr(config, "enabled", False):
        return  # the key middleware / require_scope("admin") already checked the key's scope
    if getattr(request.app.state, "allow_updates", False) or os.environ.get(ALLOW_UPDATES_ENV) == "1":
        return
    raise HTTPException(403, DISABLED)


_dependencies = [Depends(require_scope("admin")), Depends(updates_allowed)]


def _rejections(errors) -> list[dict]:
    return [{"file": Path(e.path).name, "reason": e.reason, "skipped": e.skipped} for e in errors]


@router.post("/documents", status_code=201, dependencies=_dependencies, response_model=UploadResult,
             responses={422: {"description": "no file could be indexed; `rejected` says why"}},
             summary="Upload documents (.txt .md .docx .pdf .html) and index them")
def upload_documents(request: Request, files: list[UploadFile] = File(...)):
    from indexer.updates import add_documents

    engine = request.app.state.engine
    with tempfile.TemporaryDirectory(prefix="tracuu-upload-") as tmp, _update_lock:
        paths, names = [], []
        for i, upload in enumerate(files):
            name = Path((upload.filename or "").replace("\\", "/")).name
            if not name:
                raise HTTPException(422, f"file #{i + 1} has no file name")
            path = Path(tmp) / f"{i}-{name}"
            with open(path, "wb") as fh:
                while chunk := upload.file.read(1 << 20):
                    fh.write(chunk)
            paths.append(path)
            names.append(name)
        try:
            report = add_documents(engine.index_dir, paths, names, encoder=engine.encoder,
                                   log=lambda msg: None)
        except ValueError as err:
            raise HTTPException(422, str(err)) from None
    engine.reload_if_changed()
    rejected = {Path(e.path).name for e in report.rejected}
    body = {"added": [n for n in names if n not in rejected], "rejected": _rejections(report.rejected),
            "index_version": engine.state.version.name, "documents": report.documents,
            "passages": report.passages, "passages_embedded": report.passages_embedded}
    if not body["added"]:
        return JSONResponse(status_code=422, content=body | {
            "detail": "; ".join(f"{r['file']}: {r['reason']}" for r in body["rejected"])})
    return body


@router.delete("/documents/{doc_id:path}", dependencies=_dependencies, response_model=RemoveResult,
               responses={404: {"model": ErrorMessage, "description": "unknown document"}},
               summary="Withdraw a document from the corpus and the index")
def delete_document(request: Request, doc_id: str):
    from indexer.updates import remove_documents

    engine = request.app.state.engine
    with _update_lock:
        try:
            report = remove_documents(engine.index_dir, [doc_id], encoder=None, log=lambda msg: None)
        except KeyError:
            raise HTTPException(404, f"no document {doc_id!r}") from None
        except ValueError as err:
            raise HTTPException(409, str(err)) from None
    engine.reload_if_changed()
    return {"removed": [doc_id], "index_version": engine.state.version.name,
            "documents": report.documents, "passages": report.passages}
