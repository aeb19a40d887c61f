from coderl.generation.seeding import stream_key, uniform


def test_streams_are_pure_and_distinct():
    key = stream_key(0, "def f():", 0)
    assert key == stream_key(0, "def f():", 0)
    assert (
        len(
            {
                key,
                stream_key(1, "def f():", 0),
                stream_key(0, "def g():", 0),
                stream_key(0, "def f():", 1),
            }
        )
        == 4
    )
    draws = [uniform(key, step) for step in range(1000)]
    assert draws == [uniform(key, step) for step in range(1000)]
    assert all(0.0 <= u < 1.0 for u in draws)
    assert 0.45 < sum(draws) / len(draws) < 0.55
