"""The database schema: every table (CREATE … IF NOT EXISTS), its upgrades by version, the value flags,
and the SQL pieces several domains share (what an active import is, the current inputs of a dataset)."""

SCHEMA_VERSION = "2"
# Upgrades of an existing file, by the version they bring it to (CREATE … IF NOT EXISTS covers new tables).
# 2: published_results gains its provenance (`source_kind`, `note`) and the kind of its value and rank;
#    office.bootstrap bumps BOOTSTRAP_VERSION with it, so the rows are reloaded with these filled.
MIGRATIONS = {
    "2": [f"ALTER TABLE published_results ADD COLUMN IF NOT EXISTS {col} VARCHAR"
          for col in ("source_kind", "note", "value_kind", "rank_kind")],
}

VALUE_FLAGS = [
    ("published", "Số liệu đã công bố (chính thức, báo chí hoặc tổng hợp của bên thứ ba — ghi theo từng dòng)",
     "Published figures (official, press or a third-party compilation — stated per row)"),
    ("plan", "Số liệu từ kế hoạch của tỉnh (KH 18/KH-UBND Gia Lai)", "From the province's plan (Gia Lai 18/KH-UBND)"),
    ("sample", "DỮ LIỆU MẪU (SAMPLE) — sinh tự động, không phải số liệu thật",
     "SAMPLE data — generated, not real figures"),
    ("self_assessed", "Số liệu tự đánh giá do tỉnh nhập", "Self-assessed figures imported by the province"),
    ("automatic", "Số liệu tự động từ một nguồn đã đăng ký (tên nguồn và thời điểm lấy ghi ở từng lần nhập)",
     "Automatic figures from a registered source (source name and time on each import)"),
]

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS value_flags (
        flag VARCHAR PRIMARY KEY, label_vi VARCHAR NOT NULL, label_en VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS entities (
        entity_group VARCHAR NOT NULL,          -- '34' (from 1 July 2025) or '63' (before)
        name VARCHAR NOT NULL,                  -- canonical name, e.g. 'Gia Lai'
        code VARCHAR,                           -- statistical code (63 group)
        merged_into VARCHAR,                    -- 63 group: the 34-group province it became part of
        source VARCHAR,
        PRIMARY KEY (entity_group, name))""",
    """CREATE TABLE IF NOT EXISTS frameworks (
        framework_id VARCHAR PRIMARY KEY, version VARCHAR NOT NULL, name_vi VARCHAR, name_en VARCHAR,
        file VARCHAR, max_points DOUBLE, registered_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS framework_nodes (
        framework_id VARCHAR NOT NULL, code VARCHAR NOT NULL, parent VARCHAR, level INTEGER,
        name_vi VARCHAR, name_en VARCHAR, max_points DOUBLE, rule_type VARCHAR, lead_agency VARCHAR,
        PRIMARY KEY (framework_id, code))""",
    """CREATE SEQUENCE IF NOT EXISTS import_seq START 1""",
    """CREATE TABLE IF NOT EXISTS imports (
        import_id BIGINT PRIMARY KEY, imported_at TIMESTAMP NOT NULL, file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL, n_rows BIGINT NOT NULL, framework_id VARCHAR, entity_group VARCHAR,
        flag VARCHAR NOT NULL, imported_by VARCHAR, form VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS raw_inputs (
        import_id BIGINT NOT NULL, framework_id VARCHAR NOT NULL, entity_group VARCHAR NOT NULL,
        entity VARCHAR NOT NULL, year INTEGER NOT NULL, indicator VARCHAR NOT NULL,
        variable VARCHAR NOT NULL, value DOUBLE, not_applicable BOOLEAN NOT NULL DEFAULT FALSE,
        flag VARCHAR NOT NULL, sheet VARCHAR, source_row INTEGER, source_column VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS published_results (
        year INTEGER NOT NULL, entity_group VARCHAR NOT NULL, entity VARCHAR, published_name VARCHAR NOT NULL,
        total_value DOUBLE, total_rank INTEGER, n_ranked INTEGER, gov_value DOUBLE, gov_rank INTEGER,
        econ_value DOUBLE, econ_rank INTEGER, soc_value DOUBLE, soc_rank INTEGER,
        source_url VARCHAR, quote VARCHAR, official BOOLEAN,
        source_kind VARCHAR,                    -- official | press | third_party, or a combination (a+b)
        note VARCHAR,                           -- which fields come from where
        value_kind VARCHAR, rank_kind VARCHAR)  -- the kind of total_value and of total_rank""",
    """CREATE TABLE IF NOT EXISTS plan_values (
        framework_id VARCHAR NOT NULL, entity VARCHAR NOT NULL, code VARCHAR NOT NULL,
        points_2024 DOUBLE, max_qd405 DOUBLE, max_draft DOUBLE, target_points DOUBLE,
        target_denominator DOUBLE, raw_text VARCHAR, reading VARCHAR, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS scenarios (
        name VARCHAR NOT NULL, framework_id VARCHAR NOT NULL, entity VARCHAR NOT NULL, year INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL, changes_json VARCHAR NOT NULL, note VARCHAR,
        PRIMARY KEY (framework_id, name))""",
    """CREATE TABLE IF NOT EXISTS plan_targets (
        plan_id VARCHAR NOT NULL, target_id VARCHAR PRIMARY KEY, level VARCHAR, area VARCHAR,
        text_vi VARCHAR, text_en VARCHAR, metric_kind VARCHAR, target_value DOUBLE, unit VARCHAR,
        target_year INTEGER, lead_agency VARCHAR, co_agencies VARCHAR, source_quote VARCHAR, reading VARCHAR)""",
    # Whose plan a target list is: plans belong to a province (34-group name), shown only on it.
    """CREATE TABLE IF NOT EXISTS plans (
        plan_id VARCHAR PRIMARY KEY, province VARCHAR NOT NULL, province_at_issue VARCHAR, title_vi VARCHAR,
        title_en VARCHAR, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS target_progress (
        import_id BIGINT NOT NULL, target_id VARCHAR NOT NULL, year INTEGER NOT NULL, value DOUBLE NOT NULL,
        flag VARCHAR NOT NULL, source_row INTEGER)""",
    # Units below the province (departments, districts of past years, communes/wards): one list per
    # province and import; the current list of a province is its latest units import.
    """CREATE TABLE IF NOT EXISTS units (
        import_id BIGINT NOT NULL, province VARCHAR NOT NULL, name VARCHAR NOT NULL, level VARCHAR NOT NULL,
        parent VARCHAR, code VARCHAR, valid_from DATE, valid_to DATE, aliases VARCHAR, source_row INTEGER)""",
    # Which assessment a value is: the unit's own ('self') or the province's appraisal ('appraised').
    """ALTER TABLE raw_inputs ADD COLUMN IF NOT EXISTS basis VARCHAR DEFAULT 'self'""",
    # The department a province assigns to follow each criterion of a unit framework (the seeds of
    # the unit frameworks name none); one row per change, the latest per (framework, province, code) holds.
    """CREATE TABLE IF NOT EXISTS criterion_leads (
        framework_id VARCHAR NOT NULL, province VARCHAR NOT NULL, code VARCHAR NOT NULL, lead_agency VARCHAR,
        assigned_by VARCHAR, assigned_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS effort_weights (
        framework_id VARCHAR NOT NULL, code VARCHAR NOT NULL, cost_per_point DOUBLE NOT NULL,
        PRIMARY KEY (framework_id, code))""",
    # Data-collection rounds (issue 10): a round asks each lead agency for the figures of the leaves it
    # leads, for one framework, province and year, by a deadline. `*_by` is free text ("người thực hiện")
    # until editor sign-in lands.
    """CREATE SEQUENCE IF NOT EXISTS collection_seq START 1""",
    """CREATE TABLE IF NOT EXISTS collection_rounds (
        round_id BIGINT PRIMARY KEY, framework_id VARCHAR NOT NULL, province VARCHAR NOT NULL,
        year INTEGER NOT NULL, deadline DATE, label VARCHAR, created_at TIMESTAMP NOT NULL, created_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS collection_sent (
        round_id BIGINT NOT NULL, agency VARCHAR NOT NULL, file_name VARCHAR, sent_at TIMESTAMP NOT NULL,
        sent_by VARCHAR)""",
    # Every returned workbook, valid or not (its problems kept as text); values only for valid ones.
    """CREATE TABLE IF NOT EXISTS collection_imports (
        import_id BIGINT PRIMARY KEY, round_id BIGINT NOT NULL, agency VARCHAR NOT NULL, file_name VARCHAR,
        sha256 VARCHAR, received_at TIMESTAMP NOT NULL, ok BOOLEAN NOT NULL, n_values INTEGER,
        n_missing INTEGER, problems VARCHAR, imported_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS collection_values (
        import_id BIGINT NOT NULL, round_id BIGINT NOT NULL, agency VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        variable VARCHAR NOT NULL, value DOUBLE, not_applicable BOOLEAN NOT NULL, sheet VARCHAR,
        source_row INTEGER, source_column VARCHAR)""",
    # Evidence (minh chứng) of a figure: from the returned workbook or added on screen (one row per change;
    # the latest per figure holds). `file_path` is relative to the evidence folder beside the database.
    """CREATE TABLE IF NOT EXISTS evidence (
        round_id BIGINT NOT NULL, indicator VARCHAR NOT NULL, variable VARCHAR NOT NULL, doc_number VARCHAR,
        doc_date DATE, issuer VARCHAR, link VARCHAR, file_path VARCHAR, source VARCHAR, added_by VARCHAR,
        added_at TIMESTAMP NOT NULL)""",
    # The official (verified) result of a year, per node where published: points.
    """CREATE TABLE IF NOT EXISTS official_points (
        framework_id VARCHAR NOT NULL, province VARCHAR NOT NULL, year INTEGER NOT NULL, code VARCHAR NOT NULL,
        points DOUBLE NOT NULL, file_name VARCHAR, imported_by VARCHAR, imported_at TIMESTAMP NOT NULL)""",
    # Two-year plans (scoring.plan2y) as made: settings, result and actions (JSON), who and when.
    """CREATE TABLE IF NOT EXISTS office_plans (
        plan_id BIGINT PRIMARY KEY, framework_id VARCHAR NOT NULL, entity VARCHAR NOT NULL, year1 INTEGER,
        year2 INTEGER, target1 INTEGER, target2 INTEGER, max_gain DOUBLE, method VARCHAR, cost DOUBLE,
        optimal BOOLEAN, reachable BOOLEAN, actions_json VARCHAR, note VARCHAR, created_by VARCHAR,
        created_at TIMESTAMP NOT NULL)""",
    # In-year progress: dated values of a province's variables (quarterly or any date), from an agency.
    """CREATE TABLE IF NOT EXISTS progress_updates (
        framework_id VARCHAR NOT NULL, province VARCHAR NOT NULL, year INTEGER NOT NULL, as_of DATE NOT NULL,
        indicator VARCHAR NOT NULL, variable VARCHAR NOT NULL, value DOUBLE NOT NULL, agency VARCHAR,
        file_name VARCHAR, entered_by VARCHAR, entered_at TIMESTAMP NOT NULL)""",
    # The office's choice between two agencies that returned different values for a shared component.
    """CREATE TABLE IF NOT EXISTS collection_decisions (
        round_id BIGINT, indicator VARCHAR, variable VARCHAR, agency VARCHAR, value DOUBLE,
        not_applicable BOOLEAN, decided_by VARCHAR, decided_at TIMESTAMP, note VARCHAR)""",
    # Automatic sources (issue 20): a definition per version (the latest per name holds; `deleted` ends it),
    # and every pull, with its outcome in words and the import it wrote (none when nothing changed).
    """CREATE SEQUENCE IF NOT EXISTS source_seq START 1""",
    """CREATE TABLE IF NOT EXISTS sources (
        seq BIGINT NOT NULL DEFAULT nextval('source_seq'), name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        location VARCHAR NOT NULL, format VARCHAR NOT NULL, json_path VARCHAR, secret VARCHAR,
        every_minutes INTEGER NOT NULL, framework_id VARCHAR NOT NULL, entity_group VARCHAR NOT NULL,
        mapping_json VARCHAR NOT NULL, enabled BOOLEAN NOT NULL, deleted BOOLEAN NOT NULL DEFAULT FALSE,
        saved_by VARCHAR NOT NULL, saved_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS source_runs (
        run_id BIGINT NOT NULL DEFAULT nextval('source_seq'), name VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP, status VARCHAR NOT NULL, problem VARCHAR, detail VARCHAR, content_sha256 VARCHAR,
        n_values INTEGER, n_changed INTEGER, import_id BIGINT, trigger VARCHAR, actor VARCHAR)"""
]

SCHEMA += [
    # A recorded plan's effort model: "relative" (difficulty × relative rise, scoring.plan_years) or "points"
    # (cost per point × points gained, the two-year plans recorded before the one plan engine). Records
    # without it are read by OFFICE_PLAN_EFFORT_MODEL.
    "ALTER TABLE office_plans ADD COLUMN IF NOT EXISTS effort_model VARCHAR",
]

# The effort model of a recorded plan that does not name it: the old two-year planner's methods
# ("final_first", "year_by_year") and its ratio cap (max_gain, always given by its page) mean points.
OFFICE_PLAN_EFFORT_MODEL = ("COALESCE(effort_model, CASE WHEN method IN ('final_first', 'year_by_year') "
                            "OR max_gain IS NOT NULL THEN 'points' ELSE 'relative' END)")

SCHEMA += [
    # Undo and history (issue 9): a rollback is recorded on its import, never a delete; the change log
    # holds every other data change (scenarios, effort weights, lead agencies, rollbacks) with who/when.
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS rolled_back_at TIMESTAMP",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS rolled_back_by VARCHAR",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS rollback_reason VARCHAR",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS flag_source VARCHAR",   # where 'published' figures come from
    "ALTER TABLE scenarios ADD COLUMN IF NOT EXISTS saved_by VARCHAR",
    "ALTER TABLE effort_weights ADD COLUMN IF NOT EXISTS saved_by VARCHAR",
    "ALTER TABLE effort_weights ADD COLUMN IF NOT EXISTS saved_at TIMESTAMP",
    """CREATE SEQUENCE IF NOT EXISTS change_seq START 1""",
    """CREATE TABLE IF NOT EXISTS change_log (
        change_id BIGINT PRIMARY KEY, changed_at TIMESTAMP NOT NULL, changed_by VARCHAR NOT NULL,
        action VARCHAR NOT NULL, target VARCHAR, detail VARCHAR)""",
]

SCHEMA += [
    # The internal appraisal round (issue 12): units fill in their own form, council members appraise
    # the criteria assigned to them, the editor closes. History tables: one row per change, the latest
    # per key (highest `seq`, from appraisal_seq) holds. Timestamps naive UTC; `deadline` is the end of
    # the given day in Vietnam (23:59:59 Asia/Ho_Chi_Minh) stored as UTC.
    """CREATE SEQUENCE IF NOT EXISTS appraisal_round_seq START 1""",
    """CREATE SEQUENCE IF NOT EXISTS appraisal_seq START 1""",
    """CREATE TABLE IF NOT EXISTS accounts (
        account VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, province VARCHAR NOT NULL, unit VARCHAR,
        display_name VARCHAR NOT NULL, email VARCHAR, pw_hash VARCHAR, created_by VARCHAR, created_at TIMESTAMP,
        disabled_at TIMESTAMP, disabled_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS appraisal_rounds (
        round_id BIGINT PRIMARY KEY, framework_id VARCHAR NOT NULL, province VARCHAR NOT NULL,
        level VARCHAR NOT NULL, year INTEGER NOT NULL, deadline TIMESTAMP NOT NULL, label VARCHAR,
        allow_reply BOOLEAN NOT NULL, dataset VARCHAR NOT NULL, opened_by VARCHAR, opened_at TIMESTAMP,
        closed_by VARCHAR, closed_at TIMESTAMP, self_import_id BIGINT, appraised_import_id BIGINT)""",
    """CREATE TABLE IF NOT EXISTS appraisal_round_units (round_id BIGINT NOT NULL, unit VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS appraisal_assignments (
        round_id BIGINT NOT NULL, code VARCHAR NOT NULL, account VARCHAR, assigned_by VARCHAR,
        assigned_at TIMESTAMP, seq BIGINT DEFAULT nextval('appraisal_seq'))""",
    """CREATE TABLE IF NOT EXISTS appraisal_values (
        round_id BIGINT NOT NULL, unit VARCHAR NOT NULL, indicator VARCHAR NOT NULL, variable VARCHAR NOT NULL,
        value DOUBLE, not_applicable BOOLEAN NOT NULL, saved_by VARCHAR, saved_at TIMESTAMP,
        seq BIGINT DEFAULT nextval('appraisal_seq'))""",
    """CREATE TABLE IF NOT EXISTS appraisal_notes (
        round_id BIGINT NOT NULL, unit VARCHAR NOT NULL, indicator VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        text VARCHAR, saved_by VARCHAR, saved_at TIMESTAMP, seq BIGINT DEFAULT nextval('appraisal_seq'))""",
    """CREATE TABLE IF NOT EXISTS appraisal_evidence (
        evidence_id BIGINT PRIMARY KEY, round_id BIGINT NOT NULL, unit VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        doc_number VARCHAR, doc_date DATE, issuer VARCHAR, link VARCHAR, file_path VARCHAR, file_name VARCHAR,
        sha256 VARCHAR, added_by VARCHAR, added_at TIMESTAMP, removed_at TIMESTAMP, removed_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS appraisal_events (
        round_id BIGINT NOT NULL, unit VARCHAR, event VARCHAR NOT NULL, actor VARCHAR, "at" TIMESTAMP NOT NULL,
        reason VARCHAR, until TIMESTAMP, late BOOLEAN, seq BIGINT DEFAULT nextval('appraisal_seq'))""",
    """CREATE TABLE IF NOT EXISTS appraisal_decisions (
        round_id BIGINT NOT NULL, unit VARCHAR NOT NULL, indicator VARCHAR NOT NULL, variable VARCHAR NOT NULL,
        value DOUBLE, not_applicable BOOLEAN NOT NULL, reason VARCHAR, decided_by VARCHAR, decided_at TIMESTAMP,
        seq BIGINT DEFAULT nextval('appraisal_seq'))""",
]

IMPORT_COLUMNS = ("import_id", "imported_at", "file_name", "sha256", "n_rows", "framework_id", "entity_group",
                  "flag", "imported_by", "form", "note", "flag_source")
ACTIVE = "import_id NOT IN (SELECT import_id FROM imports WHERE rolled_back_at IS NOT NULL)"

BASES = ("self", "appraised")
# Datasets: SAMPLE figures never mix with a province's own. 'own' = every value whose flag is not
# 'sample' (self-assessed, published, plan imports); 'sample' = the generated SAMPLE data only.
# Current inputs are read inside ONE dataset, so a real import never half-shadows SAMPLE rows.
DATASETS = ("own", "sample")
DATASET_WHERE = {"own": "flag <> 'sample'", "sample": "flag = 'sample'"}

CURRENT_INPUTS_SQL = """
    SELECT entity, year, indicator, variable, value, not_applicable, flag, import_id
    FROM raw_inputs
    WHERE framework_id = ? AND entity_group = ? AND coalesce(basis, 'self') = ? AND {dataset}
      AND import_id NOT IN (SELECT import_id FROM imports WHERE rolled_back_at IS NOT NULL)
    QUALIFY row_number() OVER (PARTITION BY entity, year, indicator, variable ORDER BY import_id DESC) = 1
    ORDER BY year, entity, indicator, variable
"""
