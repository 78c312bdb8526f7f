"""Every refusal of the appraisal round: a StoreError subclass whose `code` has its words in
`ui.faults.<code>` (locales/{vi,en}/ui.toml). Pages catch `FAULTS`."""
from __future__ import annotations

from storage.appraisal import RoundChanged
from scoring.framework import display_code, variable_words
from storage.errors import StoreError


class NotYourUnit(StoreError, PermissionError):
    """A unit user acting on (or reading) another unit's form."""
    code = "not_your_unit"


class NotAssigned(StoreError, PermissionError):
    """A council member acting on a criterion not assigned to them (or a non-member deciding)."""
    code = "not_assigned"


class FormLocked(StoreError):
    """The unit's form cannot be changed now (submitted, past its deadline, or the round closed)."""
    code = "form_locked"


class ReasonRequired(StoreError):
    """A decision that changes the self-assessed value, a reopen or a deadline change without a reason."""
    code = "reason_required"


class ReplyNotAllowed(StoreError):
    """A reply where the round allows none, before a decision, a second one, or after close."""
    code = "reply_not_allowed"


class RoundUndecided(StoreError):
    """Close refused: submitted units still have undecided criteria (detail = how many)."""
    code = "round_undecided"


class CouncilUndecided(StoreError):
    """Close refused: criteria the council (or a source) scores are undecided for submitted units — they have no
    self value to keep (detail = their codes)."""
    code = "council_undecided"


class RoundClosed(StoreError):
    """The round is closed: read-only for everyone."""
    code = "round_closed"


class BadEvidenceFile(StoreError):
    """An evidence file of a kind not accepted, too large, or empty."""
    code = "bad_evidence_file"


class EvidenceEmpty(StoreError):
    """Evidence with neither a file, a document number nor a link."""
    code = "evidence_empty"


class AccountExists(StoreError):
    """The login name asked for belongs to another unit or member."""
    code = "account_exists"


class BadLogin(StoreError):
    """A login name asked for that is not 3–40 lower-case ASCII letters, digits and hyphens."""
    code = "bad_login"


class UnknownUnit(StoreError):
    """A unit not in the province's unit list at that level, or not in the round."""
    code = "unknown_unit"


class UnknownAccount(StoreError):
    """An account that does not exist, is disabled, or is not a council member of the province."""
    code = "unknown_account"


class UnknownCriterion(StoreError):
    """A criterion code that is not a criterion of the round's level (or a variable not of its rule)."""
    code = "unknown_criterion"


class FormIncomplete(StoreError):
    """Submit refused: criteria without a value (detail = their codes)."""
    code = "form_incomplete"


class BadValue(StoreError):
    """A value that is not a non-negative number, an N/A where the criterion allows none, or one the
    scoring rule refuses (detail = the criteria codes, shown to the user)."""
    code = "bad_value"


class ValueRefused(BadValue):
    """Values the criterion's rule refuses (above the maximum, part above its whole, a fraction in a count,
    not 0/1): `problems` lists them (value_problems); detail = "code.variable ≤ limit; …"."""
    code = "value_refused"

    def __init__(self, problems: list[dict], framework=None):
        self.problems = problems
        super().__init__("; ".join(problem_detail(p, framework) for p in problems))


class NotUnitScored(StoreError):
    """A unit's value for a criterion the council or an automatic source scores (detail = the codes)."""
    code = "not_unit_scored"


class EvidenceContent(BadEvidenceFile):
    """A file whose content is not what its name's extension says (detail = the file's extension)."""
    code = "evidence_content"


class NotSubmitted(StoreError):
    """A decision on a unit that has not submitted its form."""
    code = "not_submitted"


class BadDeadline(StoreError):
    """A deadline (or a reopen's end) that is already past."""
    code = "bad_deadline"


class RoundNotFound(StoreError):
    code = "round_not_found"


class RoundExists(StoreError):
    """A round of the same framework, province, level, year and dataset is still open (detail = its id)."""
    code = "round_exists"


class TextTooLong(StoreError):
    """A typed text longer than loaders.limits.MAX_APPRAISAL_TEXT characters (detail = which)."""
    code = "text_too_long"


class TextRequired(StoreError):
    """An empty reply."""
    code = "text_required"


class CloseNotConfirmed(StoreError):
    """Close refused: before the deadline or with units not submitted, the confirmation was not typed."""
    code = "close_not_confirmed"


FAULTS = (CouncilUndecided, CloseNotConfirmed, NotYourUnit, NotAssigned, FormLocked, ReasonRequired, ReplyNotAllowed, RoundUndecided, RoundClosed,
          BadEvidenceFile, EvidenceEmpty, AccountExists, BadLogin, UnknownUnit, UnknownAccount, UnknownCriterion,
          FormIncomplete, BadValue, ValueRefused, NotUnitScored, EvidenceContent, NotSubmitted, BadDeadline, RoundNotFound, TextRequired, TextTooLong, RoundExists,
          RoundChanged)


def problem_detail(p: dict, framework=None) -> str:
    """A problem as a short rule over the figure named in words (scoring.framework.variable_words):
    "VI.5 – <tên tiêu chí>: <ý nghĩa của số liệu> ≤ 10"; without the framework, the code as read and the variable."""
    where = (variable_words(framework, p["code"], p["variable"]) if framework is not None
             else f"{display_code(p['code'])}: {p['variable']}")
    kind = p["kind"]
    if kind in ("over_max", "part_exceeds_whole"):
        return f"{where} ≤ {p['limit']:g}"
    if kind == "zero_whole":
        return f"{where} > 0"
    if kind == "not_binary":
        return f"{where} ∈ {{0, 1}}"
    if kind == "not_whole":
        return f"{where} ∈ ℕ"
    return f"{where} ≥ 0"
