"""coderl: train and evaluate code LMs with reinforcement learning from execution feedback."""

__version__ = "0.1.0"
