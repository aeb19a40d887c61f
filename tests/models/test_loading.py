import pytest
import torch

from coderl.errors import CoderlError
from coderl.models import build_tiny_causal, build_tiny_seq2seq, load_policy
from coderl.models.loading import resolve_device, resolve_dtype, resolve_source

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def causal_dir(tmp_path_factory):
    policy = build_tiny_causal()
    folder = tmp_path_factory.mktemp("causal")
    policy.model.save_pretrained(folder)
    policy.tokenizer.pad_token = None  # load_policy must set it
    policy.tokenizer.save_pretrained(folder)
    return folder


def test_loads_a_causal_folder_with_pad_and_left_padding(causal_dir):
    policy = load_policy(str(causal_dir))
    assert not policy.is_encoder_decoder
    assert policy.name == str(causal_dir)
    assert policy.tokenizer.pad_token == policy.tokenizer.eos_token
    assert policy.tokenizer.padding_side == "left"
    assert policy.model.dtype == torch.float32
    assert not policy.model.training
    batch = policy.encode_prompts(["x", "def f(a, b):"])
    assert batch.input_ids[0, 0] == policy.tokenizer.pad_token_id
    assert batch.attention_mask[0, 0] == 0


def test_loads_for_training_in_a_chosen_dtype(causal_dir):
    policy = load_policy(str(causal_dir), dtype="bf16", for_training=True)
    assert policy.model.training
    assert policy.model.dtype == torch.bfloat16


def test_loads_an_encoder_decoder_folder(tmp_path):
    tiny = build_tiny_seq2seq(hidden=32, heads=2)
    tiny.model.save_pretrained(tmp_path)
    tiny.tokenizer.save_pretrained(tmp_path)
    policy = load_policy(str(tmp_path))
    assert policy.is_encoder_decoder
    assert type(policy.model).__name__ == "T5ForConditionalGeneration"


def test_unknown_name_offline_says_what_to_pass(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CoderlError, match=r"not found locally.*\.gguf file.*smollm2-135m"):
        load_policy("no-such-org/no-such-model")


def test_missing_paths_and_wrong_files_are_clear(tmp_path):
    with pytest.raises(CoderlError, match="no such model file"):
        resolve_source(str(tmp_path / "absent.gguf"))
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"")
    with pytest.raises(CoderlError, match=r"must be a \.gguf"):
        resolve_source(str(weights))
    with pytest.raises(CoderlError, match="AutoConfig cannot load"):
        load_policy(str(tmp_path))


def test_gguf_source_splits_folder_and_file(tmp_path):
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"")
    source = resolve_source(str(gguf))
    assert (source.path, source.gguf_file) == (str(tmp_path), "m.gguf")


def test_device_and_dtype_rules():
    cpu = torch.device("cpu")
    assert resolve_dtype("auto", cpu, for_training=False) == torch.float32
    assert resolve_dtype("bfloat16", cpu, for_training=True) == torch.bfloat16
    with pytest.raises(CoderlError, match="unknown dtype"):
        resolve_dtype("float8", cpu, for_training=False)
    assert resolve_device("cpu") == cpu
    if not torch.cuda.is_available():
        with pytest.raises(CoderlError, match="CUDA is not available"):
            resolve_device("cuda")
