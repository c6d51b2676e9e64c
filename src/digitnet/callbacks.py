"""What :func:`digitnet.train` tells as it goes: the :class:`Callback` a caller overrides."""

from __future__ import annotations

from functools import partial
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    from .config import TrainConfig
    from .network import Network

__all__ = ["Callback", "checked"]


class Callback:
    """Receives progress from :func:`train`. Override what you need; all do nothing by default."""

    def on_train_start(self, config: TrainConfig, n_train: int, n_val: int, start_epoch: int) -> None:
        pass

    def on_epoch_start(self, epoch: int, n_steps: int) -> None:
        pass

    def on_progress(self, epoch: int, step: int, n_steps: int, loss: float) -> None:
        """Called every few dozen steps within an epoch with the running mean loss."""

    def on_epoch_end(self, epoch: int, record: dict, network: Network) -> None:
        """``record`` is the history entry of the epoch that just finished."""

    def should_stop(self) -> bool:
        """Return True to interrupt training (like Ctrl-C); asked after every progress report."""
        return False


_METHODS = ("on_train_start", "on_epoch_start", "on_progress", "on_epoch_end", "should_stop")


def checked(callback) -> Callback:
    """``callback``, or a Callback that does nothing for None; ConfigError, before training,
    for anything without every method :func:`train` calls (a function, say)."""
    if callback is None:
        return Callback()
    if isinstance(callback, type):
        raise ConfigError(f"callback: got the class {callback.__name__}; give an instance of it: "
                          f"callback={callback.__name__}()")
    missing = [name for name in _METHODS if not callable(getattr(callback, name, None))]
    if not missing:
        return callback
    function = isinstance(callback, (FunctionType, MethodType, BuiltinFunctionType, partial))
    what = "a function" if function else f"a {type(callback).__name__}"
    raise ConfigError(f"callback: got {what}, which lacks {', '.join(missing)}; give an instance "
                      "of a subclass of digitnet.Callback that overrides the methods you need, "
                      "such as on_epoch_end(epoch, record, network)")
