"""Reports made outside the browser (scheduled or by hand): `python -m reports briefing ...`.

A thin layer over `dashboard.briefing` (the slides) and the store (the data); nothing in `scoring`
imports it.
"""
