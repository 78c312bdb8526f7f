"""DTI Studio scoring: frameworks as data, rule registry, vectorised engine. Pure (no UI, no DB)."""
from scoring.engine import InputError, InputProblem, ScoreResult, score
from scoring.framework import Framework, FrameworkError, available_frameworks, load_framework

__all__ = [
    "Framework", "FrameworkError", "InputError", "InputProblem", "ScoreResult",
    "available_frameworks", "load_framework", "score",
]
