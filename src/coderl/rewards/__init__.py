"""coderl.rewards: from judgements (and code) to scalar rewards; ``None`` for infra_error.

Also PPOCoder's rewards (compile, syntax match, data-flow match) and CodeBLEU, whose
tree-sitter grammars are imported on first use (``pip install "coderl[rewards]"``).
"""

from coderl.rewards.base import Reward, build_reward, register_reward, reward_names
from coderl.rewards.codebleu import codebleu
from coderl.rewards.compiler import CompilerReward
from coderl.rewards.composite import PPOCODER_PARTS, CompositeReward
from coderl.rewards.match import DataflowMatchReward, SyntaxMatchReward
from coderl.rewards.unit_test import (
    CODERL_SCALE,
    BinaryReward,
    PassFractionReward,
    UnitTestReward,
)

__all__ = [
    "CODERL_SCALE",
    "PPOCODER_PARTS",
    "BinaryReward",
    "CompilerReward",
    "CompositeReward",
    "DataflowMatchReward",
    "PassFractionReward",
    "Reward",
    "SyntaxMatchReward",
    "UnitTestReward",
    "build_reward",
    "codebleu",
    "register_reward",
    "reward_names",
]
