import math

from coderl.training.configs import LoggingConfig
from coderl.training.metrics_log import MetricsLogger, read_metrics


def test_jsonl_records_and_tensorboard_events(tmp_path):
    with MetricsLogger(tmp_path, LoggingConfig()) as logger:
        logger.log(1, {"train/loss": 2.5, "time/update": 0.1})
        logger.log(2, {"train/loss": math.nan})
    assert read_metrics(tmp_path / "metrics.jsonl") == [
        {"step": 1, "train/loss": 2.5, "time/update": 0.1},
        {"step": 2, "train/loss": None},
    ]
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))


def test_resume_drops_records_after_the_checkpoint(tmp_path):
    config = LoggingConfig(tensorboard=False)
    with MetricsLogger(tmp_path, config) as logger:
        for step in (1, 2, 3):
            logger.log(step, {"train/loss": float(step)})
    with MetricsLogger(tmp_path, config, resume_step=2) as logger:
        logger.log(3, {"train/loss": 30.0})
    assert [(r["step"], r["train/loss"]) for r in read_metrics(tmp_path / "metrics.jsonl")] == [
        (1, 1.0),
        (2, 2.0),
        (3, 30.0),
    ]
    assert not (tmp_path / "tensorboard").exists()
