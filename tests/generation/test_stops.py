from coderl.generation.stops import StopChecker, first_stop
from coderl.models.tokenizer import train_code_tokenizer


def test_first_stop_is_the_earliest_of_any():
    assert first_stop("a\nb\n\nc", ("\n\n", "b")) == 2
    assert first_stop("abc", ("x",)) is None


def test_checker_finds_stops_across_token_boundaries():
    tokenizer = train_code_tokenizer()
    checker = StopChecker(tokenizer, ("\nprint(",))
    ids = tokenizer("x = 1\n" * 30 + "print(x)").input_ids
    text = tokenizer.decode(ids)
    assert checker.find(ids) == text.index("\nprint(")
    assert checker.find(ids[:-3]) is None
    assert StopChecker(tokenizer, ()).find(ids) is None


def test_find_many_agrees_with_find():
    tokenizer = train_code_tokenizer()
    texts = ["x = 1\ndef g():", "return a\n\n\nprint(2)", "", "no stop here", "\ndef "]
    checker = StopChecker(tokenizer, ("\ndef ", "\n\n"))
    sequences = [tokenizer(t).input_ids for t in texts]
    expected = [checker.find(ids) for ids in sequences]
    assert checker.find_many(sequences) == expected
    assert expected[0] == 5 and expected[3] is None
