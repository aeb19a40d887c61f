"""Counter-based random numbers: one independent stream per (seed, prompt, sample index).

A sample's random draws depend only on these three and on the step, never on global RNG
state, the batch it ran in or the other prompts of the call; so a sample is reproducible on
its own (a resumed run redraws exactly what an uninterrupted one would have).
"""

from __future__ import annotations

import hashlib

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def stream_key(seed: int, prompt: str, sample_index: int) -> int:
    """A 64-bit key naming the stream of sample ``sample_index`` of ``prompt``."""
    digest = hashlib.blake2b(
        f"{seed}\x00{sample_index}\x00{prompt}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "little")


def uniform(key: int, step: int) -> float:
    """The ``step``-th draw of stream ``key``, uniform in [0, 1) (splitmix64 finaliser)."""
    z = (key + (step + 1) * _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    z ^= z >> 31
    return (z >> 11) * 2.0**-53
