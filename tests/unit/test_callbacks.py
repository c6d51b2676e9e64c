"""train's callback is checked before training: a function or a class given where an instance
of a Callback goes raised AttributeError (or TypeError) after the data had been read."""

import functools

import numpy as np
import pytest

import digitnet
from digitnet.callbacks import Callback, checked
from digitnet.errors import ConfigError


class Printer(Callback):
    def on_epoch_end(self, epoch, record, network):
        print(epoch, record)


class Partial:  # duck-typed, but without should_stop and on_progress
    def on_train_start(self, config, n_train, n_val, start_epoch): ...
    def on_epoch_start(self, epoch, n_steps): ...
    def on_epoch_end(self, epoch, record, network): ...


def test_an_instance_passes_and_none_does_nothing():
    printer = Printer()
    assert checked(printer) is printer
    quiet = checked(None)
    assert type(quiet) is Callback and quiet.should_stop() is False


@pytest.mark.parametrize(("given", "line"), [
    (print, "callback: got a function, which lacks on_train_start, on_epoch_start, on_progress, "
            "on_epoch_end, should_stop; give an instance of a subclass of digitnet.Callback"),
    (lambda epoch, record, network: None, "callback: got a function, which lacks "),
    (functools.partial(print, "epoch"), "callback: got a function, which lacks "),
    (Partial(), "callback: got a Partial, which lacks on_progress, should_stop; give "),
    (Printer, "callback: got the class Printer; give an instance of it: callback=Printer()"),
])
def test_what_is_not_a_callback_is_refused_in_one_line(given, line):
    with pytest.raises(ConfigError) as e:
        checked(given)
    assert str(e.value).startswith(line) and "\n" not in str(e.value)


def test_train_refuses_it_before_reading_the_data():
    images = np.zeros((20, 28, 28), np.uint8)
    data = digitnet.datasets.Dataset(images, (np.arange(20) % 10).astype(np.uint8), "zeros",
                                     "train", "here")
    with pytest.raises(ConfigError, match=r"^callback: got a function"):
        digitnet.train(data, config=digitnet.TrainConfig(epochs=1), callback=print)
