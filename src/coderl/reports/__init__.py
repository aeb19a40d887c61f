"""The run report: one self-contained HTML page per run folder (`coderl report RUN_DIR`)."""

from coderl.reports.collect import collect_run
from coderl.reports.html import REPORT_FILE, render_report, write_report

__all__ = ["REPORT_FILE", "collect_run", "render_report", "write_report"]
