"""Learners and what they share: typed configs (`configs`), optimizer and schedule (`optim`),
checkpoints with exact resume (`checkpoint`), metrics logs (`metrics_log`), stage timers
(`timers`), and one module per algorithm (`sft`, ...).

Nothing is imported here, so that reading a config class (``coderl train --help``) does not
load torch.
"""
