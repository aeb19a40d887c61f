"""Metrics and reports: pass@k, n@k, bootstrap intervals, per-difficulty tables."""

from coderl.evaluation.metrics import bootstrap_ci, mean_pass_at_k, n_at_k, pass_at_k, split_ks
from coderl.evaluation.provenance import Provenance
from coderl.evaluation.report import Report, Row, build_report

__all__ = [
    "Provenance",
    "Report",
    "Row",
    "bootstrap_ci",
    "build_report",
    "mean_pass_at_k",
    "n_at_k",
    "pass_at_k",
    "split_ks",
]
