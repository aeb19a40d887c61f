"""Counter-based random numbers: one independent stream per (seed, prompt, sample index,
occurrence).

A sample's random draws depend only on these and on the step, never on global RNG state, the
batch it ran in or the other prompts of the call; so a sample is reproducible on its own (a
resumed run redraws exactly what an uninterrupted one would have). ``occurrence`` tells apart
copies of one prompt text (an RL group of 8 copies must be 8 different samples).
"""

from __future__ import annotations

import hashlib

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def stream_key(seed: int, prompt: str, sample_index: int, occurrence: int = 0) -> int:
    """A 64-bit key naming the stream of sample ``sample_index`` of the ``occurrence``-th copy
    of ``prompt``; occurrence 0 has the key it had before occurrences existed (old sample files
    resume with the same samples)."""
    tag = (
        f"{seed}\x00{sample_index}" if occurrence == 0 else f"{seed}\x00{sample_index}#{occurrence}"
    )
    digest = hashlib.blake2b(f"{tag}\x00{prompt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def uniform(key: int, step: int) -> float:
    """The ``step``-th draw of stream ``key``, uniform in [0, 1) (splitmix64 finaliser)."""
    z = (key + (step + 1) * _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    z ^= z >> 31
    return (z >> 11) * 2.0**-53


def uniforms(keys: np.ndarray, step: int) -> np.ndarray:
    """``uniform(key, step)`` for every key of a uint64 array at once, bit for bit (uint64
    arithmetic wraps modulo 2**64 as the masks above do); float64 array of the same shape."""
    with np.errstate(over="ignore"):
        z = keys + np.uint64(((step + 1) * _GOLDEN) & _MASK)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53
