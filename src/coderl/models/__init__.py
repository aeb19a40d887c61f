"""coderl.models: policies (causal or encoder-decoder), their loading, and tiny test models."""

from coderl.models.critic import CriticBatch, CriticOutput, OutcomeCritic, critic_batch
from coderl.models.export import export_policy
from coderl.models.loading import load_policy
from coderl.models.policy import Policy
from coderl.models.registry import BUILTIN_MODELS, builtin_names, resolve_builtin
from coderl.models.tiny import build_tiny_causal, build_tiny_seq2seq
from coderl.models.tokenizer import train_code_tokenizer
from coderl.rewards.outcomes import OUTCOME_CLASSES, outcome_class

__all__ = [
    "BUILTIN_MODELS",
    "OUTCOME_CLASSES",
    "CriticBatch",
    "CriticOutput",
    "OutcomeCritic",
    "Policy",
    "build_tiny_causal",
    "build_tiny_seq2seq",
    "builtin_names",
    "critic_batch",
    "export_policy",
    "load_policy",
    "outcome_class",
    "resolve_builtin",
    "train_code_tokenizer",
]
