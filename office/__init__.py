"""The office's workflows: importing a user's file, the default data, the agency collection round,
the internal appraisal round, and who may act (editors, accounts)."""
