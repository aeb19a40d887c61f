"""Held-out metrics of an outcome classifier, as small pure functions (no sklearn).

``labels`` are class indices [N]; ``probs`` are predicted class probabilities [N, C]. The
binary metrics treat "passed" (the last class) as the positive class, since whether a program
passes is what the critic's scores steer.
"""

from __future__ import annotations

from collections.abc import Sequence


def confusion_matrix(labels: Sequence[int], predicted: Sequence[int], num_classes: int):
    """``matrix[true][predicted]`` counts, as a list of lists."""
    matrix = [[0] * num_classes for _ in range(num_classes)]
    for true, guess in zip(labels, predicted, strict=True):
        matrix[true][guess] += 1
    return matrix


def accuracy(labels: Sequence[int], predicted: Sequence[int]) -> float:
    pairs = list(zip(labels, predicted, strict=True))
    return sum(t == p for t, p in pairs) / max(len(pairs), 1)


def macro_f1(labels: Sequence[int], predicted: Sequence[int], num_classes: int) -> float:
    """Mean F1 over the classes present in ``labels`` or ``predicted`` (a class absent from
    both says nothing about the classifier and is left out, as sklearn's ``labels=None``)."""
    matrix = confusion_matrix(labels, predicted, num_classes)
    scores = []
    for c in range(num_classes):
        true_pos = matrix[c][c]
        actual = sum(matrix[c])
        guessed = sum(row[c] for row in matrix)
        if actual == 0 and guessed == 0:
            continue
        scores.append(2 * true_pos / (actual + guessed))
    return sum(scores) / max(len(scores), 1)


def roc_auc(positive: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve: the chance that a random positive outranks a random
    negative (ties count half); None when either class is missing."""
    pairs = sorted(zip(scores, positive, strict=True), key=lambda p: p[0])
    n_pos = sum(1 for _, p in pairs if p)
    n_neg = len(pairs) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    # rank-sum (Mann-Whitney U) with average ranks for ties
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        average_rank = (i + 1 + j) / 2
        rank_sum += average_rank * sum(1 for _, p in pairs[i:j] if p)
        i = j
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def expected_calibration_error(
    labels: Sequence[int], probs: Sequence[Sequence[float]], bins: int = 10
) -> float:
    """ECE of the top-class confidence: the size-weighted mean over equal-width confidence
    bins of |accuracy - mean confidence| (Guo et al., 2017)."""
    totals = [[0, 0.0, 0.0] for _ in range(bins)]  # count, correct, confidence
    for label, row in zip(labels, probs, strict=True):
        guess = max(range(len(row)), key=row.__getitem__)
        confidence = row[guess]
        slot = totals[min(int(confidence * bins), bins - 1)]
        slot[0] += 1
        slot[1] += float(guess == label)
        slot[2] += confidence
    n = sum(count for count, _, _ in totals)
    return sum(abs(correct - conf) for count, correct, conf in totals if count) / max(n, 1)


def classifier_report(
    labels: Sequence[int], probs: Sequence[Sequence[float]], class_names: Sequence[str]
) -> dict:
    """The critic report: ``accuracy``, ``macro_f1``, ``confusion`` (rows: true class),
    ``roc_auc`` of the last class ("passed"), ``calibration_error``, and the class counts."""
    num_classes = len(class_names)
    predicted = [max(range(num_classes), key=row.__getitem__) for row in probs]
    positive = num_classes - 1
    return {
        "examples": len(labels),
        "classes": list(class_names),
        "counts": {name: sum(1 for t in labels if t == c) for c, name in enumerate(class_names)},
        "accuracy": accuracy(labels, predicted),
        "macro_f1": macro_f1(labels, predicted, num_classes),
        "confusion": confusion_matrix(labels, predicted, num_classes),
        "roc_auc": roc_auc([t == positive for t in labels], [row[positive] for row in probs]),
        "calibration_error": expected_calibration_error(labels, probs),
    }
