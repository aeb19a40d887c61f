import random

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from coderl.config import load_config
from coderl.training.checkpoint import (
    STATE_DIR,
    TrainState,
    latest_checkpoint,
    list_checkpoints,
    load_train_state,
    save_checkpoint,
)
from coderl.training.configs import OptimConfig, SFTConfig
from coderl.training.optim import build_optimizer

CONFIG = SFTConfig(model="m", problems="mbpp:x")


def _trained(path):
    model = AutoModelForCausalLM.from_pretrained(path)
    optimizer = build_optimizer(model, OptimConfig(lr=1e-2))
    model(input_ids=torch.tensor([[3, 4, 5]]), labels=torch.tensor([[3, 4, 5]])).loss.backward()
    optimizer.step()
    return model, optimizer


def test_checkpoint_is_a_plain_transformers_folder_plus_state(tiny_causal_dir, tmp_path):
    model, optimizer = _trained(tiny_causal_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_causal_dir)
    state = TrainState(step=3, micro_step=6, epoch=1, loss_history=(3.0, 2.0, 1.0))
    path = save_checkpoint(tmp_path, state, model, tokenizer, optimizer, CONFIG)

    assert path == tmp_path / "step_3"
    assert (path / "model.safetensors").is_file()
    reloaded = AutoModelForCausalLM.from_pretrained(path)
    for (name, a), b in zip(model.state_dict().items(), reloaded.state_dict().values()):
        assert torch.equal(a, b), name
    assert AutoTokenizer.from_pretrained(path).encode("def f") == tokenizer.encode("def f")
    assert load_config(SFTConfig, path / STATE_DIR / "config.yaml") == CONFIG
    assert not list(tmp_path.glob(".step_*"))


def test_load_restores_optimizer_and_rng(tiny_causal_dir, tmp_path):
    model, optimizer = _trained(tiny_causal_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_causal_dir)
    random.seed(7)
    torch.manual_seed(7)
    state = TrainState(step=1, micro_step=2, epoch=0, loss_history=(1.5,))
    path = save_checkpoint(tmp_path, state, model, tokenizer, optimizer, CONFIG)
    expected = (random.random(), torch.rand(3))

    fresh_model = AutoModelForCausalLM.from_pretrained(path)
    fresh_optimizer = build_optimizer(fresh_model, OptimConfig(lr=1e-2))
    assert load_train_state(path, fresh_optimizer) == state
    assert (random.random(), *torch.rand(3).tolist()) == (expected[0], *expected[1].tolist())
    saved, loaded = optimizer.state_dict(), fresh_optimizer.state_dict()
    for key, value in saved["state"][0].items():
        assert torch.equal(value, loaded["state"][0][key])


def test_keep_last_prunes_oldest_and_latest_skips_partial_saves(tiny_causal_dir, tmp_path):
    model, optimizer = _trained(tiny_causal_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_causal_dir)
    for step in (1, 2, 10, 11):
        save_checkpoint(tmp_path, TrainState(step=step), model, tokenizer, optimizer, CONFIG, 2)
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step_10", "step_11"]
    (tmp_path / "step_12").mkdir()  # an interrupted save has no trainer_state.json
    (tmp_path / ".step_13.tmp").mkdir()
    assert latest_checkpoint(tmp_path) == tmp_path / "step_11"
    assert latest_checkpoint(tmp_path / "missing") is None
