"""Screenshots of the appraisal round's pages (issue 12) as each role sees them, normal and presentation mode.

    1. python scripts/screenshots_round.py setup /tmp/round.duckdb /tmp/round_accounts.json
       (a SAMPLE round: data/sample/generate_round_sample.py; the accounts' clear passwords go to the json)
    2. DTI_STUDIO_DB=/tmp/round.duckdb streamlit run app.py --server.port 8621 ...
    3. python scripts/screenshots_round.py shoot http://127.0.0.1:8621 /tmp/round_accounts.json artifacts/screenshots
       python scripts/screenshots_round.py walk http://127.0.0.1:8621 /tmp/round_accounts.json /tmp/walk
       (the unit's form used step by step: typed then saved at once, group switch, save, submit, withdraw; with
       "editor": [name, password] in the json, the editor's progress and the close that asks for the typed label)

A browser session signs in through the sidebar box (a reload would start a new Streamlit session, signed
out), then opens the page and switches presentation mode on with the sidebar toggle.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import storage.units  # noqa: E402
import storage.inputs  # noqa: E402
from office import round_rules  # noqa: E402

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


EDITOR = {"name": "Cán bộ Văn phòng (mẫu)", "role": "editor", "account": None, "unit": None}


def build_round(store) -> dict:
    """A SAMPLE round through the service API: Huế's 20 SAMPLE communes, hue_units, deadline in 13 days,
    dataset 'sample'; the SAMPLE commune figures as self values (invented data); 8 submitted, 3 drafts, one
    withdrawn; two council members, one of whom has decided some criteria (two lowered, with reasons).
    Returns the round id and the clear passwords of one draft unit and the first member."""
    from datetime import date, timedelta

    from office import appraisal as ap
    from office import self_assessment
    from office import round_rules
    from office import round_accounts
    from office import council
    from scoring import load_framework

    fw = load_framework("hue_units")
    units = sorted(storage.units.units(store, "Huế", "commune")["name"])
    rid = ap.open_round(store, fw, "Huế", "commune", 2026, date.today() + timedelta(days=13),
                        "DỮ LIỆU MẪU — Đánh giá chuyển đổi số xã, phường 2026", units, True, EDITOR, dataset="sample")
    members = ["Trần Thị Hội Đồng", "Lê Văn Thẩm Định"]
    issued = round_accounts.issue_accounts(store, "Huế", [{"role": "unit", "unit": u} for u in units]
                               + [{"role": "council", "display_name": m} for m in members], EDITOR)
    pw = dict(zip(issued["display_name"], zip(issued["account"], issued["password"])))
    actor = {n: round_accounts.authenticate(store, *pw[n]) for n in pw}
    codes = [leaf.code for leaf in fw.for_level("commune").leaves]
    council.assign(store, rid, {c: pw[members[0]][0] if i < len(codes) // 2 else pw[members[1]][0]
                           for i, c in enumerate(codes)}, EDITOR)
    sample = storage.inputs.current_inputs(store, "hue_units", "commune@Huế", "self", "sample")
    sample = sample.loc[sample["year"] == sample["year"].max()]
    for i, unit in enumerate(units[:12]):
        vals = sample.loc[sample["entity"] == unit, ["indicator", "variable", "value", "not_applicable"]]
        vals = vals.loc[vals["indicator"].isin(round_rules.unit_codes(fw.for_level("commune")))]   # not the council's
        if i >= 8:  # drafts: part of the form only
            vals = vals.loc[vals["indicator"].str.match(r"^(I|II|III)\.")]
        self_assessment.save_draft(store, fw, rid, unit, vals, actor[unit], explanations={"I.1": "Quyết định thành lập Ban chỉ đạo "
                                                                              "(DỮ LIỆU MẪU)."})
        if i % 3 == 0:
            self_assessment.add_evidence(store, rid, unit, "I.1", actor[unit], doc_number=f"{10 + i}/QĐ-UBND",
                            doc_date=date(2026, 2, 1 + i), issuer=f"UBND {unit}")
        if i < 8:
            self_assessment.submit(store, fw, rid, unit, actor[unit])
    self_assessment.withdraw(store, fw, rid, units[7], actor[units[7]])
    q = council.queue(store, fw, rid, actor[members[0]])
    for (unit, code), rows in list(q.loc[q["unit"].isin(units[:4])].groupby(["unit", "code"], sort=False))[:30]:
        vals = {v: (None if na else float(x)) for v, x, na in zip(rows["variable"], rows["self_value"], rows["self_na"])}
        why = ""
        if fw.nodes[code].scored_by != "unit":   # the council scores it itself
            vals, why = {v: 6.0 for v in vals}, "Hội đồng chấm theo dữ liệu Hue-S (DỮ LIỆU MẪU)"
        if code == "I.4" and unit in units[:2]:
            vals = {v: max(0.0, x - 4) if x is not None else x for v, x in vals.items()}
            why = "Chỉ tính tin bài có ngày đăng trong năm đánh giá (DỮ LIỆU MẪU)"
        council.decide(store, fw, rid, unit, code, vals, why, actor[members[0]])
    return {"round_id": rid, "unit": list(pw[units[9]]), "unit_name": units[9], "council": list(pw[members[0]])}


def setup(db: str, out: str) -> None:
    from office.bootstrap import ensure_default_data
    from storage.db import Store

    store = Store(Path(db))
    ensure_default_data(store)
    try:
        from data.sample.generate_round_sample import build_sample_round
    except ImportError:  # the SAMPLE round generator not there: the same kind of round built here
        built = build_round(store)
    else:
        from office import appraisal

        made = build_sample_round(store, now=round_rules.clock())  # deadline ahead of today: the forms are open
        acc = made["accounts"]
        units = made["units"]
        draft = (units.get("draft") or units.get("not_started") or next(iter(units.values())))[0]
        login = acc.loc[acc["unit"] == draft, "account"].iloc[0]
        member = made["members"][0]["account"]
        built = {"round_id": made["round_id"], "unit": [login, made["passwords"][login]], "unit_name": draft,
                 "council": [member, made["passwords"][member]]}
        if units.get("appraised"):  # a submitted unit the council has decided: its form shows the decisions
            done = acc.loc[acc["unit"] == units["appraised"][0], "account"].iloc[0]
            built["unit_decided"] = [done, made["passwords"][done]]
    store.close()
    Path(out).write_text(json.dumps(built, ensure_ascii=False, default=str, indent=1), encoding="utf-8")
    print("round", built.get("round_id"))


def settle(page) -> None:
    page.wait_for_timeout(600)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=90_000)
    page.wait_for_timeout(900)


def sign_in(page, login: str | None, password: str | None, editor: tuple[str, str] | None = None) -> None:
    name, secret = editor if editor else (login, password)
    for _ in range(3):  # the sidebar box may still be drawing: try again until signed in
        box = page.locator(".st-key-auth_name input")
        if not box.is_visible():
            page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary').last.click()
            box.wait_for(state="visible", timeout=30_000)
        box.fill(name)
        page.locator(".st-key-auth_password input").fill(secret)
        page.locator(".st-key-auth_submit button").click()
        settle(page)
        if page.locator(".st-key-auth_logout").count():
            return
    raise RuntimeError(f"could not sign in as {name}")


def signed_in_page(browser, url: str, slug: str, who: list, height: int = 2600):
    """A new tab on a page, signed in through the sidebar box (vi-VN, Vietnam time), the page's metrics drawn."""
    page = browser.new_page(viewport={"width": 1440, "height": height}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page.goto(f"{url}/{slug}")
    page.wait_for_selector("h1", timeout=90_000)
    settle(page)
    sign_in(page, who[0], who[1])
    page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
    settle(page)
    return page


def present(page) -> None:
    page.locator(".st-key-w_present label").first.click()
    settle(page)


def shoot(url: str, creds_file: str, out_dir: str) -> None:
    from playwright.sync_api import sync_playwright

    creds = json.loads(Path(creds_file).read_text(encoding="utf-8"))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shots = [("unit_form", "self_assessment", creds["unit"]), ("appraiser_queue", "appraisal", creds["council"]),
             ("progress", "round", creds.get("editor") or creds["council"])]
    if creds.get("unit_decided"):
        shots.append(("unit_form_decided", "self_assessment", creds["unit_decided"]))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, slug, who in shots:
            for mode in ("normal", "present"):
                page = browser.new_page(viewport={"width": 1440,
                                                  "height": 3400 if name.startswith("unit_form") else 2400})
                page.goto(f"{url}/{slug}")
                page.wait_for_selector("h1", timeout=90_000)
                settle(page)
                sign_in(page, who[0], who[1])
                page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)  # each page has metrics
                settle(page)
                if mode == "present":
                    present(page)
                    page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
                    settle(page)
                if name.startswith("unit_form"):  # open the first two criteria of the group
                    for exp in page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').all()[:2]:
                        exp.click()
                    settle(page)
                page.screenshot(path=str(out / f"round_{name}{'_present' if mode == 'present' else ''}.png"),
                                full_page=True)
                print("saved", name, mode)
                page.close()
        browser.close()


def walk(url: str, creds_file: str, out_dir: str) -> None:
    """The unit's form as a person uses it (issue 18): type a value and click "Lưu phiếu" at once (the box's blur
    and the click), type in group I, switch to group II and back (kept), save, submit, withdraw — a screenshot
    after each step; stops with the step's name when what the page says is not what the step expects."""
    from playwright.sync_api import sync_playwright

    creds = json.loads(Path(creds_file).read_text(encoding="utf-8"))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def expect(page, words: str, step: str) -> None:
        try:
            page.get_by_text(words).first.wait_for(timeout=30_000)
        except Exception:
            page.screenshot(path=str(out / f"walk_{step}_FAILED.png"), full_page=True)
            raise RuntimeError(f"step {step}: the page does not say “{words}”")
        page.screenshot(path=str(out / f"walk_{step}.png"), full_page=True)
        print("ok", step)

    def press(page, key: str, words: str, step: str) -> None:
        """Click a button by its key, wait for the run, check what the page says."""
        page.locator(f".st-key-{key} button").first.click()
        settle(page)
        expect(page, words, step)

    def number_box(page, nth: int = 0):
        return page.locator("[class*='st-key-sa_'] input[type='text']:not([disabled]):not([role='combobox']):visible").nth(nth)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = signed_in_page(browser, url, "self_assessment", creds["unit"])
        for exp in page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').all()[3:6]:
            exp.click()   # I.4–I.6: number boxes (I.1–I.3 are yes/no)
        settle(page)
        box = number_box(page)
        box.fill("7")
        page.locator(".st-key-sa_save button").first.click()      # no Tab first: the blur and the click together
        settle(page)
        expect(page, "Đã lưu phiếu", "1_typed_then_save_clicked")
        for exp in page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').all()[3:6]:
            exp.click()   # I.4–I.6: number boxes (I.1–I.3 are yes/no)
        settle(page)
        box = number_box(page)
        box.fill("5")
        box.press("Tab")
        settle(page)
        expect(page, "thay đổi chưa lưu", "2_unsaved_change")
        page.locator(f".st-key-sa_group_{creds['round_id']} input[role='combobox']").click()
        page.get_by_role("option").nth(1).click()
        settle(page)
        expect(page, "thay đổi chưa lưu", "3_other_group_change_still_listed")
        page.locator(f".st-key-sa_group_{creds['round_id']} input[role='combobox']").click()
        page.get_by_role("option").nth(0).click()
        settle(page)
        if number_box(page).input_value() != "5":
            raise RuntimeError("the typed value was lost across the group switch")
        expect(page, "thay đổi chưa lưu", "4_back_value_kept")
        press(page, "sa_save", "Đã lưu phiếu (1 tiêu chí thay đổi)", "5_saved")
        press(page, "sa_save", "Không có thay đổi nào để lưu", "6_nothing_to_save")
        page.locator(".st-key-sa_submit button").first.click()
        settle(page)
        if page.get_by_text("Đã nộp phiếu").count():
            expect(page, "Đã nộp phiếu", "7_submitted")
            press(page, "sa_withdraw", "Đã rút phiếu", "8_withdrawn")
        else:  # a draft unit with criteria still empty: the refusal names them
            page.screenshot(path=str(out / "walk_7_submit_refused.png"), full_page=True)
            print("submit refused (an incomplete draft):", page.locator('[data-testid="stAlert"]').all_inner_texts()[:3])
        page.close()
        if creds.get("unit_decided"):   # a unit that submitted (and was appraised): withdraw, then submit again
            page = signed_in_page(browser, url, "self_assessment", creds["unit_decided"])
            press(page, "sa_withdraw", "Đã rút phiếu", "9_withdrawn")
            press(page, "sa_submit", "Đã nộp phiếu", "10_submitted_again")
            page.close()
        if creds.get("editor"):   # the editor: the round's progress, then closing asks for the typed label
            page = browser.new_page(viewport={"width": 1440, "height": 2600}, locale="vi-VN",
                                    timezone_id="Asia/Ho_Chi_Minh")
            page.goto(f"{url}/round")
            page.wait_for_selector("h1", timeout=90_000)
            settle(page)
            sign_in(page, *creds["editor"])
            expect(page, "Tiến độ", "11_editor_progress")
            page.get_by_role("tab", name="Kết thúc vòng").click()
            settle(page)
            expect(page, "không làm lại được", "12_close_asks_to_type")
            if page.locator(".st-key-rd_close button").first.is_enabled():
                raise RuntimeError("the close button is enabled before the label is typed")
            box = page.locator("[class*='st-key-rd_close_confirm'] input")
            box.fill("kết thúc nhầm")
            box.press("Tab")
            settle(page)
            if page.locator(".st-key-rd_close button").first.is_enabled():
                raise RuntimeError("the close button is enabled by a wrong phrase")
            page.screenshot(path=str(out / "walk_13_wrong_phrase_still_locked.png"), full_page=True)
            print("ok 13_wrong_phrase_still_locked")
        browser.close()


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "walk":
        walk(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        shoot(sys.argv[2], sys.argv[3], sys.argv[4])
