"""coderl.rewards: from judgements (and code) to scalar rewards; ``None`` for infra_error."""

from coderl.rewards.base import Reward, build_reward, register_reward, reward_names
from coderl.rewards.composite import CompositeReward
from coderl.rewards.unit_test import (
    CODERL_SCALE,
    BinaryReward,
    PassFractionReward,
    UnitTestReward,
)

__all__ = [
    "CODERL_SCALE",
    "BinaryReward",
    "CompositeReward",
    "PassFractionReward",
    "Reward",
    "UnitTestReward",
    "build_reward",
    "register_reward",
    "reward_names",
]
