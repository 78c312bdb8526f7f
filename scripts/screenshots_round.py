"""Screenshots of the appraisal round's pages (issue 12) as each role sees them, normal and presentation mode.

    1. python scripts/screenshots_round.py setup /tmp/round.duckdb /tmp/round_accounts.json
       (a SAMPLE round: data/sample/generate_round_sample.py; the accounts' clear passwords go to the json)
    2. DTI_STUDIO_DB=/tmp/round.duckdb streamlit run app.py --server.port 8621 ...
    3. python scripts/screenshots_round.py shoot http://127.0.0.1:8621 /tmp/round_accounts.json artifacts/screenshots

A browser session signs in through the sidebar box (a reload would start a new Streamlit session, signed
out), then opens the page and switches presentation mode on with the sidebar toggle.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def setup(db: str, out: str) -> None:
    from data.sample.generate_round_sample import build_sample_round
    from loaders.bootstrap import ensure_default_data
    from loaders.store import Store

    store = Store(Path(db))
    ensure_default_data(store)
    built = build_sample_round(store)
    store.close()
    Path(out).write_text(json.dumps(built, ensure_ascii=False, default=str, indent=1), encoding="utf-8")
    print("round", built.get("round_id"), "accounts", len(built.get("accounts", built.get("passwords", {}))))


def settle(page) -> None:
    page.wait_for_timeout(600)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=90_000)
    page.wait_for_timeout(900)


def sign_in(page, login: str | None, password: str | None, editor: tuple[str, str] | None = None) -> None:
    name, secret = editor if editor else (login, password)
    page.get_by_text("Đăng nhập", exact=True).first.click()
    page.locator(".st-key-auth_name input").fill(name)
    page.locator(".st-key-auth_password input").fill(secret)
    page.locator(".st-key-auth_submit button").click()
    settle(page)


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
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, slug, who in shots:
            for mode in ("normal", "present"):
                page = browser.new_page(viewport={"width": 1440, "height": 2400})
                page.goto(f"{url}/{slug}")
                page.wait_for_selector("h1", timeout=90_000)
                settle(page)
                sign_in(page, who[0], who[1])
                if name == "unit_form":  # open the first two criteria of the group
                    for exp in page.locator('[data-testid="stExpander"] summary').all()[:2]:
                        exp.click()
                    settle(page)
                if mode == "present":
                    present(page)
                page.screenshot(path=str(out / f"round_{name}{'_present' if mode == 'present' else ''}.png"),
                                full_page=True)
                print("saved", name, mode)
                page.close()
        browser.close()


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2], sys.argv[3])
    else:
        shoot(sys.argv[2], sys.argv[3], sys.argv[4])
