"""Every limit the import path enforces, in one place. Each one is stated to the user in the message
that refuses a file (see locales/<lang>/loader.toml), so a limit is never silent."""

MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # the file as uploaded (CSV or .xlsx)
MAX_XML_BYTES = 256 * 1024 * 1024  # an .xlsx's unpacked parts (sheet XML, shared strings): declared sizes checked
# before reading, actual bytes counted while streaming (a zip can lie about its sizes)
MAX_ROWS = 1_000_000  # rows of one CSV or of all sheets together, counted while reading
# (a commune-scale long file: 3,321 units × 100 variables = 332,100 rows a year, so three years fit)
MAX_CELLS = 5_000_000  # filled cells of a file (CSV: rows × columns), counted while reading;
# measured: a 1M-row × 5-column .xlsx reads in about 50 s on the shared 2-core machine, < 1 GB
CSV_CHUNK_ROWS = 250_000  # not a limit: a CSV is parsed this many rows at a time and each chunk's texts are
# reduced to one object per distinct text, so memory grows with the distinct texts, not with every cell
# (measured, bench/bench_import.py --big: 996,300 rows read, checked and committed in < 600 MiB peak RSS)
MAX_COLUMNS = 16_384  # Excel's own column limit (XFD)
MAX_CELL_CHARS = 32_767  # Excel's own cell-text limit; a longer cell is refused, never truncated silently
MESSAGE_VALUE_CHARS = 80  # a cell's text quoted in a message is cut to this many characters + "…"
MAX_PROBLEMS_PER_KIND = 100  # messages built per kind of problem; the rest are counted in one summary message
MAX_TARGET_ROWS = 10_000  # rows of a target-progress file (a few dozen targets × years)
# Evidence files of the appraisal round (issue 12): each file at most this size, only these kinds.
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EVIDENCE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "odt", "ods")
MAX_APPRAISAL_TEXT = 5_000  # characters of an explanation, reply, reason or evidence field typed on screen
