from coderl.problems import Problem
from coderl.problems import TestCase as Case
from coderl.problems.prompts import build_prompt
from coderl.training.data import (
    IGNORE_INDEX,
    SFTExample,
    build_examples,
    collate,
    epoch_order,
    micro_batch_indices,
    tokenize_example,
)


def _problem(pid="p1", solutions=("print(1)\n",), **kw) -> Problem:
    kw = {"source": "apps", "statement": "Print one.", **kw}
    return Problem(id=pid, tests=(Case.stdio("", "1\n"),), solutions=solutions, **kw)


def test_one_example_per_solution_and_unsolved_problems_are_counted():
    problems = [_problem("a", ("x = 1\n", "x = 2\n")), _problem("b", ()), _problem("c")]
    data = build_examples(problems)
    assert [e.problem_id for e in data.examples] == ["a", "a", "c"]
    assert data.without_solutions == ("b",)
    assert data.examples[0].prompt == build_prompt(problems[0])
    assert [e.target for e in data.examples[:2]] == ["x = 1\n", "x = 2\n"]


def test_code_prefix_is_removed_from_whole_solutions_and_bodies_kept():
    prefix = 'def f(x):\n    """Twice x."""\n'
    whole = _problem("w", (prefix + "    return 2 * x\n",), code_prefix=prefix, source="humaneval")
    body = _problem("b", ("    return 2 * x\n",), code_prefix=prefix, source="humaneval")
    examples = build_examples([whole, body]).examples
    assert [e.target for e in examples] == ["    return 2 * x\n"] * 2
    assert examples[0].prompt == prefix


def test_causal_labels_cover_only_the_solution_and_end_with_eos(tok):
    example = SFTExample("p", "QUESTION: add\nANSWER:\n", "def add(a, b):\n    return a + b\n")
    out = tokenize_example(example, tok, max_seq_len=256, is_encoder_decoder=False)
    prompt_ids = tok(example.prompt)["input_ids"]
    target_ids = tok(example.target, add_special_tokens=False)["input_ids"]
    assert list(out.input_ids) == prompt_ids + target_ids + [tok.eos_token_id]
    assert list(out.labels) == [IGNORE_INDEX] * len(prompt_ids) + target_ids + [tok.eos_token_id]
    assert out.num_target_tokens == len(target_ids) + 1


def test_long_examples_lose_the_prompt_start_and_keep_the_solution(tok):
    example = SFTExample("p", "Write a function add. " * 20, "def add(a, b):\n    return a + b\n")
    target_len = len(tok(example.target)["input_ids"]) + 1
    out = tokenize_example(example, tok, max_seq_len=target_len + 5, is_encoder_decoder=False)
    prompt_ids = tok(example.prompt)["input_ids"]
    assert len(out.input_ids) == target_len + 5
    assert list(out.input_ids[:5]) == prompt_ids[-5:]
    assert out.num_target_tokens == target_len
    assert tokenize_example(example, tok, target_len - 1, is_encoder_decoder=False) is None


def test_seq2seq_encoder_reads_prompt_and_labels_are_the_solution(tok):
    example = SFTExample("p", "Write a function neg.", "def neg(x):\n    return -x\n")
    out = tokenize_example(example, tok, max_seq_len=256, is_encoder_decoder=True)
    assert list(out.input_ids) == tok(example.prompt)["input_ids"]
    target_ids = tok(example.target, add_special_tokens=False)["input_ids"]
    assert list(out.labels) == [*target_ids, tok.eos_token_id]


def test_collate_right_pads_inputs_and_masks_labels(tok):
    a = tokenize_example(SFTExample("a", "Q", "x = 1\n"), tok, 64, False)
    b = tokenize_example(SFTExample("b", "Question", "value = [1, 2, 3]\n"), tok, 64, False)
    batch = collate([a, b], pad_token_id=tok.pad_token_id)
    width = max(len(a.input_ids), len(b.input_ids))
    assert batch.input_ids.shape == batch.labels.shape == (2, width)
    assert batch.attention_mask[0].tolist() == [1] * len(a.input_ids) + [0] * (
        width - len(a.input_ids)
    )
    assert (batch.labels[0, len(a.labels) :] == IGNORE_INDEX).all()
    assert batch.num_target_tokens == a.num_target_tokens + b.num_target_tokens


def test_data_order_is_a_seeded_permutation_per_epoch():
    assert epoch_order(10, seed=1, epoch=0) == epoch_order(10, seed=1, epoch=0)
    assert sorted(epoch_order(10, seed=1, epoch=0)) == list(range(10))
    assert epoch_order(10, seed=1, epoch=0) != epoch_order(10, seed=1, epoch=1)
    assert epoch_order(10, seed=1, epoch=0) != epoch_order(10, seed=2, epoch=0)


def test_micro_batches_visit_every_example_once_per_epoch():
    seen = [micro_batch_indices(7, 3, seed=0, micro_step=m) for m in range(6)]
    assert [epoch for epoch, _ in seen] == [0, 0, 0, 1, 1, 1]
    assert [len(idx) for _, idx in seen] == [3, 3, 1, 3, 3, 1]
    assert sorted(i for _, idx in seen[:3] for i in idx) == list(range(7))
    assert sorted(i for _, idx in seen[3:] for i in idx) == list(range(7))
