"""DTI Studio — the frame: page config, shared controls, navigation. Pages live in pages/."""
import logging
import os

import streamlit as st

from dashboard import auth, controls, data
from dashboard.i18n import t

st.set_page_config(page_title="DTI Studio", page_icon="📊", layout="wide", initial_sidebar_state="expanded")

try:  # the shared controls read the database first: a fault there is explained, never Streamlit's English
    sel = controls.sidebar()
    notice = data.store_notice()
except Exception as exc:  # noqa: BLE001
    if os.environ.get("DTI_STUDIO_RAISE") and not auth.is_fault(exc):
        raise
    logging.getLogger("dti_studio").exception("controls failed")
    st.title("DTI Studio")
    st.error(auth.explain_error(exc, st.session_state.get("lang", "vi")), icon=":material/error:")
    st.stop()
lang = sel.lang
auth.sidebar_box(lang)
auth.require_reader(lang)
if notice:
    st.warning(t(f"ui.faults.{notice[0]}", lang, **notice[1]), icon=":material/warning:")

PAGES = [
    ("pages/overview.py", "ui.nav.overview", ":material/dashboard:"),
    ("pages/rankings.py", "ui.nav.rankings", ":material/leaderboard:"),
    ("pages/units.py", "ui.nav.units", ":material/account_tree:"),
    ("pages/pillars.py", "ui.nav.pillars", ":material/radar:"),
    ("pages/trends.py", "ui.nav.trends", ":material/trending_up:"),
    ("pages/whatif.py", "ui.nav.whatif", ":material/tune:"),
    ("pages/plan.py", "ui.nav.plan", ":material/route:"),
    ("pages/odds.py", "ui.nav.odds", ":material/casino:"),
    ("pages/targets.py", "ui.nav.targets", ":material/assignment_ind:"),
    ("pages/collection.py", "ui.nav.collection", ":material/inbox:"),
    ("pages/round.py", "ui.nav.round", ":material/how_to_vote:"),
    ("pages/self_assessment.py", "ui.nav.self_assessment", ":material/edit_document:"),
    ("pages/appraisal.py", "ui.nav.appraisal", ":material/fact_check:"),
    ("pages/progress.py", "ui.nav.progress", ":material/timeline:"),
    ("pages/plan2y.py", "ui.nav.plan2y", ":material/event_note:"),
    ("pages/methodology.py", "ui.nav.methodology", ":material/menu_book:"),
    ("pages/data.py", "ui.nav.data", ":material/database:"),
    ("pages/sources.py", "ui.nav.sources", ":material/cloud_sync:"),
]
# The first page lives at "/": its own name (/overview) or any unknown address lands there without a dialog.
controls.land_unknown_paths_on_default([path.split("/")[1][:-3] for path, _, _ in PAGES[1:]])
nav = st.navigation([st.Page(path, title=t(key, lang), icon=icon, url_path=path.split("/")[1][:-3])
                     for path, key, icon in PAGES], expanded=True)  # 18 pages: never hide some behind "View more"
# The dataset switch (own figures / SAMPLE), where the sidebar kept its place: not on a page of published
# results only (the 63-province rankings).
controls.dataset_switch(published_only=controls.published_only(nav.url_path, sel))
# A page first opened without the frame (see below) asked to be shown inside it.
wanted = st.session_state.pop("_wanted_page", None)
if wanted:
    st.switch_page(wanted, query_params=st.query_params.to_dict())

if controls.chrome_css(lang):
    st.html(controls.chrome_css(lang))  # Streamlit's own English chrome in Vietnamese (file uploader)
if sel.present:
    st.markdown(controls.PRESENTATION_CSS, unsafe_allow_html=True)
    st.button(t("ui.controls.exit_present", lang), on_click=controls.exit_presentation, type="secondary")
else:
    st.sidebar.caption(t("ui.app.caption", lang))

# Streamlit still runs a page file on its own (multipage v1) when a `pages/` folder exists and the
# very first request of a server (or an AppTest run) targets that page; pages then draw the shared
# controls themselves. This flag tells them the frame has already done it in this run.
st.session_state["_frame_active"] = True
st.session_state["_frame_seen"] = True
try:
    nav.run()
except Exception as exc:  # a bug must never show a traceback to users; tests set DTI_STUDIO_RAISE=1
    if os.environ.get("DTI_STUDIO_RAISE") and not auth.is_fault(exc):
        raise
    logging.getLogger("dti_studio").exception("page failed")
    st.error(auth.explain_error(exc, lang) if auth.is_fault(exc)
             else t("ui.app.unexpected", lang, kind=type(exc).__name__), icon=":material/error:")
finally:
    st.session_state["_frame_active"] = False
