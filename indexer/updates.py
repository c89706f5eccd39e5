"""Adding and withdrawing documents of an indexed corpus (`tracuu add/remove`, the API).

Where added documents live: in the corpus folder the index was built from (its
manifest's `corpus.root`). The corpus folder stays the one source of truth, so a later
`tracuu index CORPUS` sees exactly what `add` and `remove` left and changes nothing.
- add: each file is read first (a file that cannot be indexed is reported and not
  copied), then staged as a hidden file in the corpus folder, the index is rebuilt
  incrementally (only the new documents are read, segmented and embedded), and once the
  new version is committed each staged file the version holds takes its own name there
  (replacing a file of that name: an update). The folder never holds a visible file the
  index does not: a killed add leaves a hidden staging file, which the next build or add
  moves in (if the add had committed) or deletes, and says so (build.finish_interrupted_adds).
- remove: the document's source file is moved out of the corpus folder into
  INDEX_DIR/removed/<timestamp>/ (a database store: CORPUS-removed/<timestamp>/ beside
  the corpus folder), recoverable, then the index is rebuilt incrementally.
Both take the store (or its location) and write through its writer (indexer/build.py).
"""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from indexer.build import BuildReport, build_index, staging_path
from indexer.documents import IngestError
from indexer.store import Store, StoreError, open_store

REMOVED_DIR = "removed"


def corpus_root(store: Store) -> Path:
    manifest = store.manifest()  # StoreError "no index …; build one" when empty
    root = Path(manifest.get("corpus", {}).get("root", ""))
    if not root.is_dir():
        raise StoreError(f"the corpus folder of {store.describe()} ({root}) is not a folder or is gone; "
                         f"documents can only be added to an index built from a folder: "
                         f"`tracuu index FOLDER --store {store.describe()}`")
    return root


def removed_dir(store: Store, root: Path) -> Path:
    """Where withdrawn files are kept: INDEX_DIR/removed/ for the local store."""
    base = getattr(store, "path", None)
    folder = Path(base) / REMOVED_DIR if base is not None else root.parent / f"{root.name}-removed"
    return folder / time.strftime("%Y%m%dT%H%M%S")


def safe_name(name: str) -> str:
    """The base name a file gets in the corpus folder; IngestError if it cannot have it."""
    from indexer.readers import SUFFIXES
    from indexer.readers.names import base_name, file_name_problem

    name = base_name(name)
    problem = file_name_problem(name, SUFFIXES)
    if problem:
        raise IngestError(name or "(no name)", problem[1])
    return name


def add_documents(store: Store | str | Path, paths: list[Path], names: list[str] | None = None,
                  encoder=None, model: str | None = None, progress: bool = False,
                  log=lambda msg: print(msg, file=sys.stderr), allow_duplicates: bool = False) -> BuildReport:
    """Copy readable files into the corpus folder and index them. Files that cannot be
    read are in report.rejected (and were not copied); so are files whose text repeats a
    document the index holds or an earlier file of the same call (a DuplicateError naming
    it), unless `allow_duplicates`. A file replacing the indexed file of its own name is an
    update, not a duplicate."""
    from indexer.duplicates import DuplicateError, fingerprint, indexed_fingerprints
    from indexer.readers import read_file

    store = open_store(store)
    root = corpus_root(store)
    rejected: list[IngestError] = []
    known = None  # the indexed documents' fingerprints, read once, on the first readable file
    staged: dict[str, Path] = {}  # name in the corpus folder → its hidden staging copy there
    for i, path in enumerate(paths):
        path = Path(path)
        name = names[i] if names else path.name
        try:
            name = safe_name(name)  # a bad name is this file's rejection, not the whole run's
            if not path.is_file():
                raise IngestError(str(path), "no such file")
            if path.suffix.lower() != Path(name).suffix.lower():
                raise IngestError(name, "file name and contents type differ")
            doc = read_file(path, name)  # rejects what cannot be indexed before it enters the corpus
            print_ = None
            if not allow_duplicates:
                known = known if known is not None else indexed_fingerprints(store)
                print_ = fingerprint(doc.text)
                found = known.find(name, print_)
                if found is not None:
                    raise DuplicateError(name, *found)
        except DuplicateError as err:
            rejected.append(err)
            log(f"duplicate {err.path}: {err.reason}")
            continue
        except IngestError as err:
            if names:
                err = IngestError(name, err.reason, err.skipped)
            rejected.append(err)
            log(f"{'skipped' if err.skipped else 'failed'} {err.path}: {err.reason}")
            continue
        if print_ is not None:
            known.add(name, print_)  # a second copy in the same call is a duplicate of this one
        staged[name] = staging_path(root, name)
        shutil.copyfile(path, staged[name])
    try:
        report = build_index(root, store, model=model, encoder=encoder, progress=progress, log=log,
                             allow_duplicates=allow_duplicates, staged=staged)
    finally:  # a build that failed leaves nothing of this add in the corpus folder
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
    report.rejected = rejected + report.rejected
    return report


def remove_documents(store: Store | str | Path, doc_ids: list[str], encoder=None, model: str | None = None,
                     progress: bool = False, log=lambda msg: print(msg, file=sys.stderr)) -> BuildReport:
    """Move the documents' source files out of the corpus folder and re-index.
    Unknown doc_ids raise KeyError naming them (nothing is changed)."""
    store = open_store(store)
    root = corpus_root(store)
    manifest = store.manifest()
    by_doc = {d: rel for rel, src in manifest.get("sources", {}).items() for d in src.get("doc_ids", [])}
    unknown = [d for d in doc_ids if d not in by_doc]
    if unknown:
        raise KeyError(", ".join(unknown))
    moved_to = removed_dir(store, root)
    for doc_id in doc_ids:
        rel = by_doc[doc_id]
        others = [d for d, r in by_doc.items() if r == rel and d not in doc_ids]
        if others:
            raise ValueError(f"{doc_id} comes from {rel}, which also holds {len(others)} other "
                             f"document(s); edit that file and run `tracuu index {root}`")
        source = root / rel
        if source.exists():
            (moved_to / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(source), moved_to / rel)
            log(f"removed {doc_id} (its file is kept in {moved_to / rel})")
    return build_index(root, store, model=model, encoder=encoder, progress=progress, log=log)
