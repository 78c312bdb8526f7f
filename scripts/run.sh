#!/usr/bin/env bash
# Set up a virtual environment with pinned packages and start the dashboard on the embedded default data.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
# scripts/serve.py prepares the database and loads the modules first, then runs Streamlit's server
# (`streamlit run app.py` with the same options), so the first visitor does not wait for that work.
exec .venv/bin/python scripts/serve.py --server.headless true --server.address 127.0.0.1 \
  --browser.gatherUsageStats false "$@"
