"""What tune says of a study, from a walk: how a continued study's refusal names what differs
(tuning._difference: a field the study searched is said as searched, not by the base recipe's
value its trials never used: it said "started with lr 0.0025, and this command gives 0.01" of a
study that searched lr), which trials count as interrupted, and PostgreSQL URLs."""

from __future__ import annotations

from digitnet.config import TrainConfig
from digitnet.tuning import _difference

LR = {"lr": {"low": 1e-4, "high": 0.1, "log": True}}


def recorded(base: TrainConfig, space: dict) -> dict:
    return {"base": base.to_dict(), "space": space, "engine": "auto", "data": {"n": 100}}


def test_a_field_searched_then_fixed_now_is_said_as_searched():
    then = recorded(TrainConfig(), LR)
    now = recorded(TrainConfig(lr=0.01), {})
    assert _difference(then, now) == "lr searched, and this command gives lr 0.01"
    assert _difference(now, then) == "lr 0.01, and this command gives lr searched"


def test_a_field_fixed_both_times_is_said_by_its_values():
    then, now = recorded(TrainConfig(epochs=2), LR), recorded(TrainConfig(epochs=3), LR)
    assert _difference(then, now) == "epochs 2, and this command gives 3"


def test_interrupted_counts_only_trials_whose_work_is_still_to_do():
    """A surplus trial (started after the study had its trials, never run) is not interrupted,
    nor one run again to the end since, through any chain of retries (both were counted as
    interrupted for ever: '4/4 trials finished, 0 running, 4 interrupted')."""
    from digitnet.studies import TrialRecord
    from digitnet.tuning import _status

    def trial(number, state, **more):
        return TrialRecord(number, state, 0.9 if state == "COMPLETE" else None, {}, None, 1, 1.0,
                           **more)

    found = [trial(0, "COMPLETE"), trial(1, "FAIL"), trial(2, "FAIL"), trial(3, "FAIL"),
             trial(4, "COMPLETE", retry_of=1),  # 1 run again
             trial(5, "FAIL", retry_of=2), trial(6, "PRUNED", retry_of=5),  # 2, twice
             trial(7, "WAITING", retry_of=3),  # 3 queued again, not yet run
             trial(8, "FAIL", surplus=True)]
    status = _status(found, target=4)
    assert (status.done, status.failed, status.waiting) == (3, 1, 1)


def test_postgres_urls_name_the_driver_digitnet_brings():
    """libpq's postgres:// is PostgreSQL (it was refused as "'postgres' databases are not
    supported ... use PostgreSQL"); a URL naming a driver that is not installed says to write
    postgresql:// (it said to install the tune extra, which brings psycopg, not that driver)."""
    import importlib.util

    import pytest

    from digitnet import studies
    from digitnet.errors import ConfigError

    assert (studies.storage_url("postgres://tuner@db.local/digitnet")
            == studies.storage_url("postgresql://tuner@db.local/digitnet")
            == "postgresql+psycopg://tuner@db.local/digitnet")
    if importlib.util.find_spec("psycopg2") is not None:
        pytest.skip("psycopg2 is installed here: its URL would connect")
    with pytest.raises(ConfigError, match=r"^postgresql\+psycopg2://tuner:\*\*\*@127\.0\.0\.1:1/d: "
                                          r"its driver \(postgresql\+psycopg2\) is not installed; "
                                          r"write the URL as postgresql://"):
        studies.open_storage("postgresql+psycopg2://tuner:pw@127.0.0.1:1/d")
