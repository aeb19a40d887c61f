"""Stop sequences, checked on decoded text after every generated token."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def decode(tokenizer: Any, token_ids: Sequence[int]) -> str:
    """Generated text as the model wrote it: special tokens dropped, spacing untouched."""
    return tokenizer.decode(
        list(token_ids), skip_special_tokens=True, clean_up_tokenization_spaces=False
    )


class StopChecker:
    """Finds the earliest stop string in a sequence's decoded text.

    Only the last few tokens are decoded at each step (a stop of c characters spans at most
    4c byte-level tokens); the full text is decoded only when the tail holds a stop.
    """

    def __init__(self, tokenizer: Any, stops: Sequence[str]) -> None:
        self.tokenizer = tokenizer
        self.stops = tuple(stops)
        self.window = 4 * max((len(s) for s in self.stops), default=0) + 2

    def find(self, token_ids: Sequence[int]) -> int | None:
        """Character index in ``decode(token_ids)`` where the earliest stop starts, or None."""
        if not self.stops:
            return None
        tail = decode(self.tokenizer, token_ids[-self.window :])
        if not any(stop in tail for stop in self.stops):
            return None
        return first_stop(decode(self.tokenizer, token_ids), self.stops)

    def find_many(self, sequences: Sequence[Sequence[int]]) -> list[int | None]:
        """`find` for each sequence, with one tokenizer call for all the tails."""
        if not self.stops or not sequences:
            return [None] * len(sequences)
        tails = self.tokenizer.batch_decode(
            [list(ids[-self.window :]) for ids in sequences],
            skip_special_tokens=True,
            clean_up_tokenization_spaces=False,
        )
        return [
            first_stop(decode(self.tokenizer, ids), self.stops)
            if any(stop in tail for stop in self.stops)
            else None
            for ids, tail in zip(sequences, tails)
        ]


def first_stop(text: str, stops: Sequence[str]) -> int | None:
    """Index of the earliest occurrence of any of ``stops`` in ``text``, or None."""
    found = [i for i in (text.find(stop) for stop in stops) if i >= 0]
    return min(found) if found else None
