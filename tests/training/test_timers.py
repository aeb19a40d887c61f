import time

from coderl.training.timers import Timers


def test_stages_accumulate_until_popped():
    timers = Timers()
    for _ in range(2):
        with timers("update"):
            time.sleep(0.01)
    with timers("data"):
        pass
    seconds = timers.pop()
    assert set(seconds) == {"time/update", "time/data"}
    assert seconds["time/update"] >= 0.02
    assert timers.pop() == {}
