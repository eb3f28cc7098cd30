"""Does a PDF carry actions that run when it is opened or clicked (JavaScript, launching a program, posting a form)?

A PDF opened inline runs in the browser's viewer under the platform's own origin; one with scripts is
served only as a download instead (`ResourceFile.has_scripts`). Read with pypdf, which decodes
compressed object streams and `#xx`-escaped names (`/J#61vaScript`) that a plain byte search would miss;
a byte search over the raw file is added for objects that no standard path reaches. A file pypdf cannot
read is treated as having scripts: it can still be downloaded, just not opened in the page.
"""

from __future__ import annotations

import logging
import re

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

log = logging.getLogger(__name__)

# Action types (PDF 32000-1 §12.6.4) that run code, open something outside the document or send data.
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/RichMediaExecute"}
# Raw tokens, as a name ends at a delimiter or white space; case matters in PDF names.
RAW_TOKENS = re.compile(rb"/(?:JavaScript|JS|Launch|RichMedia|XFA)(?=[\s/<>\[\]()%]|$)")
MAX_PAGES_WALKED = 2000
CHUNK = 1024 * 1024


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _action_is_active(action, depth: int = 0) -> bool:
    """An action dictionary, following its /Next chain (a single action or an array of them)."""
    action = _resolve(action)
    if depth > 32:
        return True
    if isinstance(action, ArrayObject):
        return any(_action_is_active(a, depth + 1) for a in action)
    if not isinstance(action, DictionaryObject):
        return False  # a destination array (go to a page) is harmless
    if str(action.get("/S", "")) in ACTIVE_ACTIONS or "/JS" in action:
        return True
    return "/Next" in action and _action_is_active(action["/Next"], depth + 1)


def _additional_actions_active(holder: DictionaryObject) -> bool:
    aa = _resolve(holder.get("/AA"))
    return isinstance(aa, DictionaryObject) and any(_action_is_active(v) for v in aa.values())


def _walk_is_active(reader: PdfReader) -> bool:
    root = _resolve(reader.trailer["/Root"])
    if "/OpenAction" in root and _action_is_active(root["/OpenAction"]):
        return True
    if _additional_actions_active(root):
        return True
    names = _resolve(root.get("/Names"))
    if isinstance(names, DictionaryObject) and ("/JavaScript" in names or "/EmbeddedFiles" in names):
        return True
    form = _resolve(root.get("/AcroForm"))
    if isinstance(form, DictionaryObject) and "/XFA" in form:
        return True
    for index, page in enumerate(reader.pages):
        if index >= MAX_PAGES_WALKED:
            return True  # too long to check: download only
        if _additional_actions_active(page):
            return True
        for annot in _resolve(page.get("/Annots")) or []:
            annot = _resolve(annot)
            if not isinstance(annot, DictionaryObject):
                continue
            if ("/A" in annot and _action_is_active(annot["/A"])) or _additional_actions_active(annot):
                return True
    return False


def _raw_tokens_present(fileobj) -> bool:
    fileobj.seek(0)
    tail = b""
    for chunk in iter(lambda: fileobj.read(CHUNK), b""):
        if RAW_TOKENS.search(tail + chunk):
            return True
        tail = chunk[-16:]
    return False


def pdf_has_scripts(fileobj) -> bool:
    """True when the PDF in `fileobj` (binary, seekable) has active content or cannot be read to tell."""
    try:
        if _raw_tokens_present(fileobj):
            return True
        fileobj.seek(0)
        return _walk_is_active(PdfReader(fileobj, strict=False))
    except Exception as exc:  # noqa: BLE001 — any parser failure on a hostile file means "not safe inline"
        log.info("PDF not readable for the script check (%s): served as a download", type(exc).__name__)
        return True
    finally:
        fileobj.seek(0)
