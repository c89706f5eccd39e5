"""POST /documents (multipart upload) and DELETE /documents/{doc_id}: change the index.

Disabled unless allowed, with a 403 that says how to allow them:
- with API keys configured (TRACUU_API_KEYS_FILE, api/auth.py), a key of scope
  `admin` is required (the key middleware and `require_scope("admin")` check it);
- without keys, only when the server was started with `tracuu serve --allow-updates`
  or TRACUU_ALLOW_UPDATES=1, and then only from this server's own pages or an origin in
  TRACUU_CORS_ORIGINS, with an `X-Requested-With` header (api/security.py: no
  cross-site request forgery from another web page).
Uploaded files go where `tracuu add` puts them: into the corpus folder recorded in
the index manifest (indexer/updates.py); the index is rebuilt incrementally and the
engine switches to the new version; requests in flight finish on the old one.
"""
from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Optional

from fastapi import APIRouter, Depends, File, Form, Header, HTTPException, Query, Request, UploadFile

from api.auth import require_scope
from api.problems import ProblemError, problem_content
from api.schemas import RemoveResult, UploadResult
from api.routes import documents as _documents  # noqa: F401 (registers the doc_id path convertor)
from api.security import CSRF_HEADER_DESCRIPTION, refuse_cross_site_writes
from indexer.readers.names import base_name

ALLOW_UPDATES_ENV = "TRACUU_ALLOW_UPDATES"
DISABLED = ("Máy chủ này không cho phép thay đổi kho văn bản: cấu hình khóa API quyền admin "
            "(TRACUU_API_KEYS_FILE; `tracuu keys add NAME --scope admin`) hoặc chạy "
            "`tracuu serve --allow-updates` (hoặc TRACUU_ALLOW_UPDATES=1).")

router = APIRouter(tags=["documents"])
_update_lock = threading.Lock()


def updates_mode(request: Request) -> str:
    """Who may change the index: "admin" (keys configured: an admin key), "open" (updates on,
    no keys), "off"."""
    config = getattr(request.app.state, "auth", None)
    if config is not None and getattr(config, "enabled", False):
        return "admin"
    if getattr(request.app.state, "allow_updates", False) or os.environ.get(ALLOW_UPDATES_ENV) == "1":
        return "open"
    return "off"


def updates_allowed(request: Request) -> None:
    # "admin": the key middleware / require_scope("admin") already checked the key's scope
    if updates_mode(request) == "off":
        raise HTTPException(403, DISABLED)


# order matters: the key's scope, then whether updates are on, then the cross-site check
_dependencies = [Depends(require_scope("admin")), Depends(updates_allowed), Depends(refuse_cross_site_writes)]
REFUSED = {403: problem_content("updates are disabled on this server, the API key lacks scope admin, or "
                                "(without keys) the request came from another site or lacks "
                                "X-Requested-With"),
           413: problem_content("the upload is larger than TRACUU_MAX_UPLOAD_MB")}
MALFORMED = {400: problem_content("the multipart/form-data body cannot be parsed")}


def _rejections(errors) -> list[dict]:
    from api.reasons import vietnamese_reason

    return [{"file": Path(e.path).name, "reason": e.reason, "reason_vi": vietnamese_reason(e.reason),
             "skipped": e.skipped, **({"duplicate_of": e.of} if getattr(e, "of", None) else {})}
            for e in errors]


ALLOW_DUPLICATES_DESCRIPTION = ("index a file even when its text repeats a document already indexed "
                                "(default: such a file is not indexed; alone, the upload answers 409)")


@router.post("/documents", status_code=201, dependencies=_dependencies, response_model=UploadResult,
             responses={**REFUSED, **MALFORMED, 422: problem_content("no file could be indexed; `rejected` says why, "
                                                        "file by file"),
                        409: problem_content("every file repeats a document already indexed (`rejected[].duplicate_of` "
                                             "names it); send allow_duplicates=true to index it anyway")},
             summary="Upload documents (.txt .md .docx .doc .odt .rtf .pdf .html .xlsx .xls .ods) and index them")
def upload_documents(request: Request, files: list[UploadFile] = File(...),
                     allow_duplicates: bool = Query(False, description=ALLOW_DUPLICATES_DESCRIPTION),
                     allow_duplicates_field: bool = Form(False, alias="allow_duplicates",
                                                         description=ALLOW_DUPLICATES_DESCRIPTION),
                     # read by refuse_cross_site_writes; declared here so OpenAPI documents it
                     x_requested_with: Optional[str] = Header(None, description=CSRF_HEADER_DESCRIPTION)):
    from indexer.updates import add_documents

    engine = request.app.state.engine
    with tempfile.TemporaryDirectory(prefix="tracuu-upload-") as tmp, _update_lock:
        paths, names = [], []
        for i, upload in enumerate(files):
            name = upload.filename or ""
            # the client's name is checked (and refused, file by file) by add_documents; it is
            # never part of a path here
            suffix = Path(base_name(name)).suffix.lower()
            path = Path(tmp) / f"{i}{suffix if re.fullmatch(r'[.][a-z0-9]{1,8}', suffix) else ''}"
            with open(path, "wb") as fh:
                while chunk := upload.file.read(1 << 20):
                    fh.write(chunk)
            paths.append(path)
            names.append(name)
        try:
            # a store object of its own: the writer moves it to the new version, not the
            # one requests are being served from (the engine switches below)
            report = add_documents(engine.store.snapshot(), paths, names, encoder=engine.encoder,
                                   log=lambda msg: None,
                                   allow_duplicates=allow_duplicates or allow_duplicates_field)
        except ValueError as err:
            raise HTTPException(422, str(err)) from None
    engine.reload_if_changed()
    rejected = {e.path for e in report.rejected}
    body = {"added": [base_name(n) for n in names if n not in rejected and base_name(n) not in rejected],
            "rejected": _rejections(report.rejected),
            "index_version": engine.view.version, "documents": report.documents,
            "passages": report.passages, "passages_embedded": report.passages_embedded}
    # each added file's documents, so a client can link to them (/view/{doc_id})
    sources = engine.view.manifest.get("sources", {})
    body["files"] = [{"file": name, "doc_ids": list(sources.get(name, {}).get("doc_ids", []))}
                     for name in body["added"]]
    duplicates = [r for r in body["rejected"] if r.get("duplicate_of")]
    if not body["added"] and duplicates and len(duplicates) == len(body["rejected"]):
        named = "; ".join(f"«{r['file']}» trùng với văn bản đã có «{r['duplicate_of']}»" for r in duplicates)
        raise ProblemError(409, f"Không lập chỉ mục lại văn bản đã có: {named}. Gửi lại với "
                                f"allow_duplicates=true nếu vẫn muốn lập chỉ mục.",
                           parameter="files", location="body", **body)
    if not body["added"]:
        reasons = "; ".join(f"«{r['file']}»: {r['reason']}" for r in body["rejected"])
        raise ProblemError(422, f"Không lập chỉ mục được tệp nào (lý do từng tệp trong `rejected`): {reasons}",
                           parameter="files", location="body", **body)
    return body


@router.delete("/documents/{doc_id:doc_id}", dependencies=_dependencies, response_model=RemoveResult,
               responses={**REFUSED, 404: problem_content("unknown document"),
                          409: problem_content("the document shares its file with other documents")},
               summary="Withdraw a document from the corpus and the index")
def delete_document(request: Request, doc_id: str,
                    x_requested_with: Optional[str] = Header(None, description=CSRF_HEADER_DESCRIPTION)):
    from indexer.updates import remove_documents

    engine = request.app.state.engine
    with _update_lock:
        try:
            report = remove_documents(engine.store.snapshot(), [doc_id], encoder=None, log=lambda msg: None)
        except KeyError:
            raise HTTPException(404, f"Không có văn bản {doc_id!r} (xem GET /documents).") from None
        except ValueError as err:
            raise HTTPException(409, str(err)) from None
    engine.reload_if_changed()
    return {"removed": [doc_id], "index_version": engine.view.version,
            "documents": report.documents, "passages": report.passages}
