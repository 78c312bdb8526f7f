#!/usr/bin/env bash
# Set up a virtual environment with pinned packages and run every test tier.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
.venv/bin/python -m pytest -q "$@"
