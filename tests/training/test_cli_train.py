from coderl.cli.main import main
from coderl.training.checkpoint import latest_checkpoint


def test_help_lists_config_fields_with_their_help(capsys):
    assert main(["train", "sft", "--help"]) == 0
    out = capsys.readouterr().out
    assert "optim.grad_accum_steps = 1  micro-batches accumulated" in out
    assert "--resume" in out and "--set KEY=VALUE" in out


def test_train_sft_from_yaml_with_overrides_then_resume(
    tiny_causal_dir, problems_spec, tmp_path, capsys
):
    path = tmp_path / "sft.yaml"
    path.write_text(
        f"model: {tiny_causal_dir}\nproblems: '{problems_spec}'\nmax_seq_len: 64\n"
        f"output_dir: {tmp_path / 'run'}\ndevice: cpu\nlogging:\n  tensorboard: false\n"
    )
    argv = ["train", "sft", "--config", str(path), "--no-progress", "--set", "batch_size=3"]
    assert main([*argv, "--set", "max_steps=2"]) == 0
    out = capsys.readouterr().out
    assert "sft: 2 steps on 6 examples" in out
    assert f"report: {(tmp_path / 'run' / 'report.html').resolve()}" in out
    assert "train/loss" in (tmp_path / "run" / "report.html").read_text()
    assert latest_checkpoint(tmp_path / "run").name == "step_2"
    assert main([*argv, "--set", "max_steps=3", "--resume", "--no-report"]) == 0
    assert "report:" not in capsys.readouterr().out
    assert latest_checkpoint(tmp_path / "run").name == "step_3"
    assert main([*argv, "--set", "max_steps=3"]) == 2  # refuses to overwrite without --resume
    assert "pass --resume" in capsys.readouterr().err


def test_train_rloo_applies_its_algorithm_and_resumes(tiny_causal_dir, tmp_path, capsys):
    import yaml

    path = tmp_path / "rl.yaml"
    path.write_text(
        f"model: {tiny_causal_dir}\nproblems: synthetic@train[0:6]\ndevice: cpu\n"
        f"output_dir: {tmp_path / 'rl'}\nalgorithm: grpo\nmicro_batch_size: 4\n"
        "rollout:\n  prompts_per_step: 2\n  group_size: 2\n  max_new_tokens: 8\n"
        "logging:\n  tensorboard: false\n"
    )
    argv = ["train", "rloo", "--config", str(path), "--no-progress"]
    assert main([*argv, "--set", "max_steps=1"]) == 0
    assert "rl: 1 steps" in capsys.readouterr().out
    saved = yaml.safe_load((tmp_path / "rl" / "config.yaml").read_text())
    assert saved["algorithm"] == "rloo"  # the subcommand, over the file's grpo
    assert main([*argv, "--set", "max_steps=2", "--resume"]) == 0
    assert latest_checkpoint(tmp_path / "rl").name == "step_2"
    assert main([*argv, "--set", "rollout.group_size=1"]) == 2
    assert "rollout.group_size" in capsys.readouterr().err
