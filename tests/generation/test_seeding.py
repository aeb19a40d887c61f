import numpy as np

from coderl.generation.seeding import stream_key, uniform, uniforms


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
                stream_key(0, "def f():", 0, occurrence=1),
                stream_key(0, "def f():", 1, occurrence=1),
                stream_key(0, "def f():", 0, occurrence=2),
            }
        )
        == 7
    )
    draws = [uniform(key, step) for step in range(1000)]
    assert draws == [uniform(key, step) for step in range(1000)]
    assert all(0.0 <= u < 1.0 for u in draws)
    assert 0.45 < sum(draws) / len(draws) < 0.55


def test_first_occurrence_keeps_the_keys_of_existing_sample_files():
    # values from before occurrences existed: resumed sample files draw the same samples
    assert stream_key(0, "def f():", 0) == 10145980162483715851
    assert stream_key(3, "x", 5, occurrence=0) == 11489976344443212588


def test_vectorised_uniforms_equal_the_scalar_ones_bit_for_bit():
    keys = [stream_key(s, "p", j, o) for s in range(3) for j in range(20) for o in range(3)]
    keys += [0, 1, (1 << 64) - 1]
    array = np.array(keys, dtype=np.uint64)
    for step in (0, 1, 7, 255, 1 << 40):
        assert uniforms(array, step).tolist() == [uniform(k, step) for k in keys]
