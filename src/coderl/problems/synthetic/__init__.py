"""The built-in testbed: procedurally generated Python problems a tiny model can learn.

See docs/testbed.md for the families, difficulty levels and split design.
"""

from coderl.problems.synthetic.generator import (
    DEFAULT_SIZES,
    SyntheticConfig,
    generate,
    is_test_combination,
    split_of,
)

__all__ = ["DEFAULT_SIZES", "SyntheticConfig", "generate", "is_test_combination", "split_of"]
