"""The steering-committee briefing — one builder for the Overview download and `python -m reports briefing`.

    deck = build_deck(store, framework_id, entity, year, lang=..., dataset=..., target_ranks=...)
    render(deck, "pptx" | "pdf", pdf_engine="matplotlib" | "libreoffice") -> bytes

`gather` reads the figures from the store; `slides.build_slides` turns them into a slide model (titles, text,
chart data, tables); `pptx_out` and `pdf_out` draw that model. Needs only requirements.txt: charts by
matplotlib, the PDF by matplotlib (LibreOffice optional). Nothing here imports Streamlit.
"""
from __future__ import annotations

from dashboard.i18n import t
from reports.briefing.gather import BriefingInput, RequestError, gather
from reports.briefing.slides import Deck, Slide, build_slides, file_name

__all__ = ["BriefingError", "BriefingInput", "Deck", "RequestError", "Slide", "build_deck", "file_name", "gather",
           "make_briefing", "render", "soffice_path"]
LIBREOFFICE_TIMEOUT = 120.0  # seconds


class BriefingError(RuntimeError):
    """A briefing cannot be made (e.g. LibreOffice asked for and missing); the message is for people."""


def build_deck(store, framework_id: str, entity: str, year: int, *, lang: str = "vi", dataset: str | None = None,
               target_ranks: tuple[int, int] = (20, 15)) -> Deck:
    """The slides of the briefing (the same for the page and the command line, whatever the page's mode)."""
    inp = gather(store, framework_id, entity, year, lang=lang, dataset=dataset, target_ranks=tuple(target_ranks))
    return build_slides(inp, lang)


def render(deck: Deck, fmt: str = "pptx", pdf_engine: str = "matplotlib") -> bytes:
    """The deck as .pptx or .pdf bytes. PDF: drawn by matplotlib (default) or converted by LibreOffice."""
    from reports.briefing import pdf_out, pptx_out

    sample_text = t("ui.briefing.sample", deck.lang)
    if fmt == "pptx":
        return pptx_out.to_pptx(deck, sample_text)
    if pdf_engine == "libreoffice":
        if pdf_out.soffice_path() is None:
            raise BriefingError(t("ui.briefing.no_soffice", deck.lang))
        pdf = pdf_out.libreoffice(pptx_out.to_pptx(deck, sample_text), LIBREOFFICE_TIMEOUT)
        if pdf is None:
            raise BriefingError(t("ui.briefing.pdf_failed", deck.lang, seconds=int(LIBREOFFICE_TIMEOUT)))
        return pdf
    return pdf_out.to_pdf(deck, sample_text)


def soffice_path() -> str | None:
    from reports.briefing.pdf_out import soffice_path as which

    return which()


def make_briefing(framework_id: str, entity: str, year: int, *, lang: str = "vi", fmt: str = "pptx",
                  db: str | None = None, dataset: str | None = None, pdf_engine: str = "matplotlib") -> bytes:
    """The command line's entry: open the store, build the deck, render it."""
    from storage.db import Store, default_db_path

    store = Store(db or default_db_path())
    try:
        deck = build_deck(store, framework_id, entity, year, lang=lang, dataset=dataset)
    finally:
        close = getattr(store, "close", None)
        if close:
            close()
    return render(deck, fmt, pdf_engine)
