"""A byte-level BPE tokenizer trained on the fly, so that tiny models need no download.

Byte-level means every string (any Unicode, any whitespace) round-trips exactly through
encode/decode, which code needs: indentation and newlines are part of the program.
Training is deterministic for a given corpus and vocabulary size.
"""

from __future__ import annotations

from collections.abc import Iterable

from transformers import PreTrainedTokenizerFast

BOS = "<|bos|>"
EOS = "<|endoftext|>"
PAD = "<|pad|>"
SPECIAL_TOKENS = (PAD, BOS, EOS)  # ids 0, 1, 2

# One user/assistant exchange per turn, each turn closed by EOS so that sampling a chat answer
# stops at EOS like any other completion.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>\n{{ message['content'] }}" + EOS + "\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

# A small, fixed code corpus: enough for BPE to learn Python's common pieces (indentation,
# keywords, brackets) so that tiny test models see short sequences.
CODE_CORPUS = (
    '''def add(a, b):
    """Return the sum of a and b."""
    return a + b
''',
    """def solve():
    n = int(input())
    values = list(map(int, input().split()))
    total = 0
    for value in values:
        if value % 2 == 0:
            total += value
    print(total)


solve()
""",
    """import sys
from collections import Counter, defaultdict


def main() -> None:
    data = sys.stdin.read().split()
    counts = Counter(data)
    best = max(counts.items(), key=lambda item: (item[1], item[0]))
    print(best[0], best[1])


if __name__ == "__main__":
    main()
""",
    """class Solution:
    def two_sum(self, nums: list[int], target: int) -> list[int]:
        seen = {}
        for i, num in enumerate(nums):
            if target - num in seen:
                return [seen[target - num], i]
            seen[num] = i
        return []
""",
    """def fib(n):
    a, b = 0, 1
    while n > 0:
        a, b = b, a + b
        n -= 1
    return a


assert fib(10) == 55
assert fib(0) == 0
""",
    '''def is_palindrome(text: str) -> bool:
    """Check if a string reads the same backwards.
    >>> is_palindrome("aba")
    True
    """
    cleaned = [c.lower() for c in text if c.isalnum()]
    return cleaned == cleaned[::-1]
''',
    """QUESTION:
Given a list of integers, print the largest one.
Use Standard Input format
ANSWER:
n = int(input())
print(max(int(x) for x in input().split()))
""",
    """```python
def square(x):
    return x * x
```
""",
)


def train_code_tokenizer(
    texts: Iterable[str] = CODE_CORPUS, vocab_size: int = 512
) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE on ``texts``; special tokens ``<|pad|>``, ``<|bos|>``,
    ``<|endoftext|>`` (eos) get ids 0, 1, 2.

    ``vocab_size`` counts the 256 byte symbols and the special tokens, so it must be at least
    259; BPE stops early when the corpus has no more merges to learn. No special tokens are
    added on encode (like GPT-2): prompts are tokenized as written.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    byte_alphabet = pre_tokenizers.ByteLevel.alphabet()
    minimum = len(byte_alphabet) + len(SPECIAL_TOKENS)
    if vocab_size < minimum:
        raise ValueError(f"vocab_size = {vocab_size}: a byte-level BPE needs at least {minimum}")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=byte_alphabet,
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(texts), trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        clean_up_tokenization_spaces=False,
    )
    wrapped.chat_template = CHAT_TEMPLATE
    return wrapped
