"""Editors sign in; nothing changes data without one (store level and on screen)."""
import storage.units
import storage.plans
import storage.inputs
import storage.db
import subprocess
import sys
import tomllib

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from office import imports as importer
from office import access as editors
from office.bootstrap import DEFAULT_FRAMEWORK
from storage.errors import EditorRequired
from scoring import load_framework
from tests.conftest import ROOT
from tests.helpers import app_session, EDITOR_PASSWORD, editor_secrets

APP = str(ROOT / "app.py")
GOOD = "entity,year,indicator,variable,value\nGia Lai,2026,1.1,a,5\nGia Lai,2026,1.1,b,10\n".encode()


# --- hashing and checks (pure) ------------------------------------------------------------------------

def test_hash_is_argon2id_and_verifies():
    h = editors.hash_password("một mật khẩu dài")
    assert h.startswith("$argon2id$") and "một mật khẩu dài" not in h
    assert h != editors.hash_password("một mật khẩu dài")  # salted
    table = {"Nguyễn Văn A": h}
    assert editors.verify(table, "Nguyễn Văn A", "một mật khẩu dài") == "Nguyễn Văn A"
    assert editors.verify(table, "  nguyễn  văn a ", "một mật khẩu dài") == "Nguyễn Văn A"


@pytest.mark.parametrize("name, password", [
    ("Nguyễn Văn A", "sai mật khẩu rồi"),      # wrong password
    ("Nguyễn Văn B", "một mật khẩu dài"),      # unknown editor
    ("Nguyễn Văn A", ""),                      # empty password
    ("", "một mật khẩu dài"),                  # empty name
    ("Hỏng", "một mật khẩu dài"),              # a stored value that is not a hash
])
def test_wrong_sign_in_is_refused(name, password):
    table = {"Nguyễn Văn A": editors.hash_password("một mật khẩu dài"), "Hỏng": "một mật khẩu dài"}
    assert editors.verify(table, name, password) is None


def test_short_password_and_bad_name_refused():
    with pytest.raises(ValueError):
        editors.hash_password("ngắn")
    with pytest.raises(ValueError):
        editors.clean_name("a\x00b")


def test_add_editor_command_keeps_the_rest_of_the_secrets(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('# cấu hình\n[auth]\nredirect_uri = "http://x/oauth2callback"\n\n[other]\nk = 1\n', encoding="utf-8")
    for name in ("Trần Thị B", "Lê Văn C", "Trần Thị B"):  # the third call changes B's password
        run = subprocess.run([sys.executable, "-m", "office.access", "--secrets", str(path), "add", name,
                              "--password-stdin"], input=f"{EDITOR_PASSWORD}\n", capture_output=True, text=True,
                             cwd=ROOT, timeout=60)
        assert run.returncode == 0, run.stderr
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["auth"]["redirect_uri"] == "http://x/oauth2callback" and data["other"]["k"] == 1
    assert set(data["dti_studio"]["editors"]) == {"Trần Thị B", "Lê Văn C"}
    assert editors.verify(editors.editors_of(data), "Trần Thị B", EDITOR_PASSWORD) == "Trần Thị B"
    assert EDITOR_PASSWORD not in path.read_text(encoding="utf-8")
    short = subprocess.run([sys.executable, "-m", "office.access", "--secrets", str(path), "add", "D",
                            "--password-stdin"], input="ngắn\n", capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert short.returncode == 1 and "D" not in tomllib.loads(path.read_text(encoding="utf-8"))["dti_studio"]["editors"]


# --- the store refuses a change without an editor ------------------------------------------------------

def _unit_list():
    return importer.validate_unit_list("Tên đơn vị,Cấp\nSở Nội vụ,Sở\n".encode(), "dv.csv")


WRITES = {
    "import": lambda s, who: importer.commit(s, importer.validate(s, load_framework(DEFAULT_FRAMEWORK), GOOD, "a.csv"),
                                             load_framework(DEFAULT_FRAMEWORK), imported_by=who),
    "unit_list": lambda s, who: importer.commit_unit_list(s, "Huế", _unit_list(), imported_by=who),
    "target_progress": lambda s, who: importer.commit_target_progress(
        s, importer.validate_target_progress(s, b"target_id,year,value\nhue_dt_2025.05,2024,45%\n", "t.csv"),
        imported_by=who),
    "save_scenario": lambda s, who: storage.plans.save_scenario(s, "k", DEFAULT_FRAMEWORK, "Gia Lai", 2025, "{}", who=who),
    "delete_scenario": lambda s, who: storage.plans.delete_scenario(s, DEFAULT_FRAMEWORK, "k", who=who),
    "effort_weights": lambda s, who: storage.plans.save_effort_weights(s, DEFAULT_FRAMEWORK, {"1.1": 2.0}, who=who),
    "criterion_leads": lambda s, who: storage.units.assign_criterion_leads(s, "hue_units", "Huế", {"I.4": "Sở Nội vụ"}, who),
    "rollback": lambda s, who: storage.inputs.rollback_import(s, 1, who),
}


@pytest.mark.parametrize("who", [None, "", "   "])
def test_every_store_write_refuses_an_empty_editor(store, who):
    before = (storage.inputs.counts(store), store.data_version(), len(storage.db.change_log(store)))
    for name, write in WRITES.items():
        with pytest.raises(EditorRequired):
            write(store, who)
    assert (storage.inputs.counts(store), store.data_version(), len(storage.db.change_log(store))) == before


def test_the_same_writes_pass_with_an_editor_and_record_who(store):
    for name, write in WRITES.items():
        write(store, "Nguyễn Văn A")
    log = storage.inputs.import_log(store)
    assert (log.head(3)["imported_by"] == "Nguyễn Văn A").all()
    assert log.set_index("import_id").at[1, "rolled_back_by"] == "Nguyễn Văn A"
    assert set(storage.plans.effort_weights(store, DEFAULT_FRAMEWORK)["saved_by"]) == {"Nguyễn Văn A"}
    assert storage.units.criterion_leads(store, "hue_units", "Huế").iloc[0]["assigned_by"] == "Nguyễn Văn A"
    actions = storage.db.change_log(store)
    assert {"save_scenario", "delete_scenario", "save_effort_weights", "rollback_import"} <= set(actions["action"])
    assert set(actions["changed_by"]) == {"Nguyễn Văn A"}


def test_published_needs_its_source(store):
    fw = load_framework(DEFAULT_FRAMEWORK)
    parsed = importer.validate(store, fw, GOOD, "cb.csv")
    with pytest.raises(ValueError, match="source"):
        importer.commit(store, parsed, fw, "published", "Nguyễn Văn A")
    import_id = importer.commit(store, parsed, fw, "published", "Nguyễn Văn A",
                                flag_source="Quyết định 1/QĐ-BTTTT")
    assert storage.inputs.import_info(store, import_id)["flag_source"] == "Quyết định 1/QĐ-BTTTT"


# --- on screen ------------------------------------------------------------------------------------------

@pytest.fixture()
def reader(tmp_path, monkeypatch):
    """The app for a reader: editors exist, nobody is signed in."""

    def editors_exist(at):
        at.secrets["dti_studio"] = editor_secrets("Kiểm thử")

    yield from app_session(tmp_path, monkeypatch, prepare=editors_exist)


def test_reader_sees_every_data_change_disabled(reader):
    from dashboard import data

    at = reader
    at.switch_page("pages/data.py").run()
    at.get("file_uploader")[0].upload("tot.csv", GOOD, "text/csv")
    at.run()
    assert at.button(key="commit_import").disabled
    assert any("Chỉ biên tập viên đã đăng nhập" in c.value for c in at.caption)
    assert "tot.csv" not in set(storage.inputs.import_log(data.store())["file_name"])
    at.selectbox(key="units_province").set_value("Huế").run()
    assert at.button(key="units_save").disabled
    at.switch_page("pages/plan.py").run()
    assert at.button(key="plan_save_difficulty").disabled
    at.switch_page("pages/whatif.py").run()
    assert at.button(key="wi_save").disabled
    at.switch_page("pages/collection.py").run()  # the office's year: rounds, workbooks, evidence, plans
    assert at.button(key="col_create").disabled
    at.switch_page("pages/plan2y.py").run()  # a reader may work a plan out; it is not stored
    n_saved = len(data.store().query("SELECT * FROM office_plans"))
    at.button(key="p2_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric  # the plan is shown to the reader …
    assert len(data.store().query("SELECT * FROM office_plans")) == n_saved  # … and not stored


def test_sign_in_box_refuses_a_wrong_password_then_signs_in(reader):
    at = reader
    at.sidebar.text_input(key="auth_name").input("Kiểm thử")
    at.sidebar.text_input(key="auth_password").input("không phải mật khẩu")
    at.sidebar.button(key="auth_submit").click().run()
    assert any("không đúng" in e.value for e in at.sidebar.error)
    assert "_editor" not in at.session_state
    at.sidebar.text_input(key="auth_name").input("kiểm thử")
    at.sidebar.text_input(key="auth_password").input(EDITOR_PASSWORD)
    at.sidebar.button(key="auth_submit").click().run()
    assert at.session_state["_editor"] == "Kiểm thử"
    assert any("Biên tập viên: Kiểm thử" in c.value for c in at.sidebar.caption)
    at.switch_page("pages/plan.py").run()
    assert not at.button(key="plan_save_difficulty").disabled
    at.button(key="plan_save_difficulty").click().run()
    from dashboard import data

    assert set(storage.plans.effort_weights(data.store(), DEFAULT_FRAMEWORK)["saved_by"]) == {"Kiểm thử"}
    at.sidebar.button(key="auth_logout").click().run()
    at.switch_page("pages/plan.py").run()
    assert at.button(key="plan_save_difficulty").disabled


def _guarded_script():
    import streamlit as st

    from dashboard import auth

    calls = []
    result = auth.write("vi", lambda who: calls.append(who) or 7)
    st.write(f"result={result} calls={calls}")


@pytest.mark.parametrize("signed_in, expected", [(None, "result=None calls=[]"),
                                                 ("Kiểm thử", "result=7 calls=['Kiểm thử']"),
                                                 ("Không có trong danh sách", "result=None calls=[]")])
def test_server_side_guard_runs_a_write_only_for_a_configured_editor(signed_in, expected):
    """Even a forged event that reaches a write goes through auth.write: no editor, no write."""
    at = AppTest.from_function(_guarded_script, default_timeout=60)
    at.secrets["dti_studio"] = editor_secrets("Kiểm thử")
    if signed_in:
        at.session_state["_editor"] = signed_in
    at.run()
    assert not at.exception
    assert at.markdown[-1].value == expected
    if signed_in != "Kiểm thử":
        assert any("cần một biên tập viên" in e.value for e in at.error)


def test_reading_can_be_made_to_need_a_sign_in(reader):
    at = reader
    at.secrets["dti_studio"] = dict(editor_secrets("Kiểm thử"), require_sign_in_to_read=True)
    at.run()
    assert not at.exception
    assert any("chỉ dành cho người đã đăng nhập" in i.value for i in at.info)
    assert not at.get("plotly_chart")


# --- roles (issue 12): editors, unit users, council members ---------------------------------------------

@pytest.mark.parametrize("text, shown", [
    ("Phường Thuận Hóa", "Phường Thuận Hóa"),
    ("**đậm** <b>x</b>", "\\*\\*đậm\\*\\* \\<b\\>x\\</b\\>"),
    (":red[đỏ] :material/lock:", "\\:red\\[đỏ\\] \\:material/lock\\:"),
    ("[bấm](http://x)", "\\[bấm\\]\\(http\\://x\\)"),
    ("dòng 1\ndòng 2", "dòng 1 dòng 2"),
])
def test_user_text_is_escaped_inside_markdown(text, shown):
    from dashboard.auth import plain

    assert plain(text) == shown


ACCOUNTS = pd.DataFrame({
    "account": ["phuong-thuan-hoa", "hd-nguyen-van-a", "xa-cu"],
    "role": ["unit", "council", "unit"],
    "province": ["Huế", "Huế", "Huế"],
    "unit": ["Phường Thuận Hóa", None, "Xã Cũ"],
    "display_name": ["Phường Thuận Hóa", "Nguyễn Văn A", "Xã Cũ"],
    "email": ["thuanhoa@hue.gov.vn", "A@Hue.gov.vn", "cu@hue.gov.vn"],
    "disabled_at": [pd.NaT, pd.NaT, pd.Timestamp("2026-01-01")],
})


def _who_script():
    import streamlit as st

    from dashboard import auth

    user = auth.current_user()
    st.write(f"editor={auth.editor()} role={user and user['role']} name={user and user['name']} "
             f"unit={user and user['unit']}")


OIDC = {"redirect_uri": "http://localhost/oauth2callback", "cookie_secret": "x" * 32, "client_id": "id",
        "client_secret": "s", "server_metadata_url": "http://idp/.well-known/openid-configuration"}


@pytest.mark.parametrize("session, oidc_user, editor_emails, expected", [
    # password sign-in
    ({}, None, None, "editor=None role=None name=None unit=None"),
    ({"_editor": "Kiểm thử"}, None, None, "editor=Kiểm thử role=editor name=Kiểm thử unit=None"),
    ({"_account": {"account": "phuong-thuan-hoa"}}, None, None,
     "editor=None role=unit name=Phường Thuận Hóa unit=Phường Thuận Hóa"),
    ({"_account": {"account": "hd-nguyen-van-a"}}, None, None,
     "editor=None role=council name=Nguyễn Văn A unit=None"),
    ({"_account": {"account": "xa-cu"}}, None, None, "editor=None role=None name=None unit=None"),  # disabled
    ({"_account": {"account": "khong-co"}}, None, None, "editor=None role=None name=None unit=None"),
    # OIDC: a listed editor email edits; an account's email is that account; nobody else edits when listed
    ({}, ("Trần B", "b@hue.gov.vn"), ["b@hue.gov.vn"], "editor=Trần B role=editor name=Trần B unit=None"),
    ({}, ("Chị A", "a@hue.gov.vn"), ["b@hue.gov.vn"], "editor=None role=council name=Nguyễn Văn A unit=None"),
    ({}, ("Thuận Hóa", "thuanhoa@hue.gov.vn"), None,
     "editor=None role=unit name=Phường Thuận Hóa unit=Phường Thuận Hóa"),
    ({}, ("Ai đó", "x@gmail.com"), ["b@hue.gov.vn"], "editor=None role=None name=None unit=None"),
    ({}, ("Ai đó", "x@gmail.com"), None, "editor=Ai đó role=editor name=Ai đó unit=None"),  # no list: all edit
    ({}, ("Cũ", "cu@hue.gov.vn"), ["b@hue.gov.vn"], "editor=None role=None name=None unit=None"),  # disabled
])
def test_current_user_roles(monkeypatch, session, oidc_user, editor_emails, expected):
    from dashboard import auth

    monkeypatch.setattr(auth, "_all_accounts", lambda: ACCOUNTS)
    monkeypatch.setattr(auth, "_oidc_user", lambda: oidc_user)
    at = AppTest.from_function(_who_script, default_timeout=60)
    section = editor_secrets("Kiểm thử")
    if editor_emails:
        section = dict(section, editor_emails=editor_emails)
    at.secrets["dti_studio"] = section
    if oidc_user:
        at.secrets["auth"] = OIDC
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.markdown[-1].value == expected


def _act_script():
    import streamlit as st

    from dashboard import auth

    calls = []
    result = auth.act("vi", lambda actor: calls.append(actor["role"]) or 5, roles=("unit",))
    st.write(f"result={result} calls={calls}")


@pytest.mark.parametrize("session, expected", [
    ({}, "result=None calls=[]"),
    ({"_editor": "Kiểm thử"}, "result=None calls=[]"),        # an editor is not a unit
    ({"_account": {"account": "hd-nguyen-van-a"}}, "result=None calls=[]"),
    ({"_account": {"account": "phuong-thuan-hoa"}}, "result=5 calls=['unit']"),
])
def test_act_runs_only_for_the_roles_asked(monkeypatch, session, expected):
    from dashboard import auth

    monkeypatch.setattr(auth, "_all_accounts", lambda: ACCOUNTS)
    at = AppTest.from_function(_act_script, default_timeout=60)
    at.secrets["dti_studio"] = editor_secrets("Kiểm thử")
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    assert at.markdown[-1].value == expected
    if expected.startswith("result=None"):
        assert any("đăng nhập với đúng vai trò" in e.value for e in at.error)


from tests.test_app_round import A, app as round_app  # noqa: E402,F401  (fixture: a round with accounts)


def test_an_account_signs_in_with_the_same_box_and_is_slowed_down_when_wrong(round_app):  # noqa: F811
    import time

    from dashboard import data
    from office import appraisal
    from office import round_accounts

    at = round_app
    login, password = at.round["logins"][A], at.round["passwords"][A]
    at.sidebar.text_input(key="auth_name").input(login)
    at.sidebar.text_input(key="auth_password").input("sai-mat-khau-roi")
    at.sidebar.button(key="auth_submit").click().run()
    assert any("không đúng" in e.value for e in at.sidebar.error)
    assert "_account" not in at.session_state and at.session_state["_editor_fails"] == 1
    at.sidebar.text_input(key="auth_name").input(login.upper())  # logins match without regard to case
    at.sidebar.text_input(key="auth_password").input(password)
    started = time.perf_counter()
    at.sidebar.button(key="auth_submit").click().run()
    assert time.perf_counter() - started >= 0.5  # the second attempt waited (one failure before it)
    assert at.session_state["_account"]["account"] == login and at.session_state["_editor_fails"] == 0
    assert any("Đơn vị: Phường Thuận Hóa" in c.value for c in at.sidebar.caption)
    assert "_editor" not in at.session_state  # an account is never an editor …
    at.switch_page("pages/plan.py").run()
    assert at.button(key="plan_save_difficulty").disabled  # … so every data change stays closed to it
    # an editor disables the account: the next run signs it out
    round_accounts.disable_account(data.store(), login, {"name": "Kiểm thử", "role": "editor", "account": None,
                                                   "unit": None})
    at.switch_page("pages/self_assessment.py").run()
    assert not at.exception
    assert any("dành cho đơn vị tham gia" in i.value for i in at.info)
    assert "_account" not in at.session_state
