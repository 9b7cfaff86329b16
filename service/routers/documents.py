"""The indexed documents: listing for everyone; re-index and upload for staff with the admin token."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, UploadFile

from core.contracts import DocumentInfo
from ingest import LoadError, NothingToIngestError, ingest, load_document
from service.deps import Admin, ReadyEngine, State
from service.http_support import BadUploadName, safe_upload_name
from service.openapi import errors
from service.state import AppState

router = APIRouter(tags=["documents"])


@router.get("/v1/documents", responses=errors(429, 503))
def documents(engine: ReadyEngine) -> dict[str, list[DocumentInfo]]:
    # The source path is where the server keeps its files; a client needs only which document it is.
    return {"documents": [
        DocumentInfo(doc_id=d.doc_id, title=d.title, file=PurePath(d.source).name, sha256=d.sha256, chunks=d.chunks,
                     chars=len(d.text))
        for d in engine.current.index.documents.values()
    ]}


def reindex(state: AppState) -> dict[str, Any]:
    if not state.reindexing.acquire(blocking=False):
        raise HTTPException(409, detail="a re-index is already running")
    try:
        try:
            summary = ingest(state.settings, embedder=state.engine.embedder)
        except NothingToIngestError as exc:
            # File paths stay in the server log (ingest warned about each one); the reply gives the count.
            raise HTTPException(422, detail=f"{exc} ({len(exc.skipped)} files skipped)") from exc
        state.engine.load()
    finally:
        state.reindexing.release()
    return {"documents": summary.documents, "chunks": summary.chunks, "embedded_chunks": summary.embedded_chunks,
            "skipped": summary.skipped, "seconds": round(summary.seconds, 2)}


@router.post("/v1/admin/reindex", dependencies=Admin, responses=errors(401, 403, 409, 413, 422, 429))
def admin_reindex(state: State) -> dict[str, Any]:
    return reindex(state)


@router.post("/v1/admin/documents", dependencies=Admin, responses=errors(401, 403, 409, 413, 422, 429))
def admin_upload(
    state: State,
    file: Annotated[UploadFile, File(description="A .md, .txt, .pdf or .html document")],
    reindex_now: Annotated[bool, Query(alias="reindex", description="Re-index right after storing the file")] = True,
) -> dict[str, Any]:
    try:
        name = safe_upload_name(file.filename)
    except BadUploadName as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    limit, uploads = state.settings.max_file_bytes, state.uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    # Write to a temporary file in the same folder, check it loads, then rename: a bad or partial upload never
    # sits in uploads/ where the next ingest would pick it up.
    fd, tmp_name = tempfile.mkstemp(dir=uploads, prefix=".upload-", suffix=Path(name).suffix)
    tmp = Path(tmp_name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while block := file.file.read(1024 * 1024):
                size += len(block)
                if size > limit:
                    raise HTTPException(413, detail=f"file over the limit of {limit} bytes")
                out.write(block)
        try:
            load_document(tmp, limit)
        except LoadError as exc:
            # The message names our temporary path; say it about the uploaded name instead.
            raise HTTPException(422, detail=str(exc).replace(str(tmp), name)) from exc
        os.replace(tmp, uploads / name)
    finally:
        tmp.unlink(missing_ok=True)
    result: dict[str, Any] = {"stored": name, "bytes": size}
    if reindex_now:
        result["reindex"] = reindex(state)
    return result
