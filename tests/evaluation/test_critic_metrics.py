import pytest

from coderl.evaluation.critic_metrics import (
    accuracy,
    classifier_report,
    confusion_matrix,
    expected_calibration_error,
    macro_f1,
    roc_auc,
)


def test_confusion_and_accuracy():
    labels, predicted = [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0]
    assert confusion_matrix(labels, predicted, 3) == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert accuracy(labels, predicted) == pytest.approx(4 / 6)


def test_macro_f1_by_hand():
    labels, predicted = [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0]
    # class 0: tp 1, 2 actual, 2 guessed -> 0.5; class 1: tp 1, 1 actual, 2 guessed -> 2/3;
    # class 2: tp 2, 3 actual, 2 guessed -> 0.8; class 3 absent from both: left out
    assert macro_f1(labels, predicted, 4) == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)


def test_roc_auc_by_hand_with_ties():
    assert roc_auc([True, False], [0.9, 0.1]) == 1.0
    assert roc_auc([True, False], [0.1, 0.9]) == 0.0
    # positives 0.8, 0.4; negatives 0.4, 0.2: pairs (0.8>0.4, 0.8>0.2, tie, 0.4>0.2) = 3.5 / 4
    assert roc_auc([True, True, False, False], [0.8, 0.4, 0.4, 0.2]) == pytest.approx(0.875)
    assert roc_auc([True, True], [0.3, 0.5]) is None


def test_calibration_error():
    # always 0.9 confident and right 9 times in 10: perfectly calibrated
    labels = [1] * 9 + [0]
    assert expected_calibration_error(labels, [[0.1, 0.9]] * 10) == pytest.approx(0.0)
    # 0.9 confident and always wrong: error 0.9
    assert expected_calibration_error([0] * 4, [[0.1, 0.9]] * 4) == pytest.approx(0.9)


def test_report_keys():
    report = classifier_report([1, 0], [[0.2, 0.8], [0.6, 0.4]], ("not_passed", "passed"))
    assert report["accuracy"] == 1.0 and report["roc_auc"] == 1.0
    assert report["confusion"] == [[1, 0], [0, 1]]
    assert report["counts"] == {"not_passed": 1, "passed": 1}
    assert set(report) >= {"roc_auc", "macro_f1", "accuracy", "confusion", "calibration_error"}
