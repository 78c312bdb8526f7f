"""Reports made outside the browser (scheduled or by hand): `python -m reports briefing ...`.

`reports.briefing` builds the steering-committee briefing (slides from the store's data); nothing in `scoring`
imports it.
"""
