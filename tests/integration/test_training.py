
import numpy as np
import pytest

from digitnet import Network, engines, modelfile, optimizers
from digitnet.engines import compiled
from digitnet.errors import ConfigError, DataError, DivergenceError, TrainingInterrupted
from digitnet.config import PRESETS
from digitnet.metrics import evaluate
from digitnet.training import Callback, train
from stopping import StopAt

QUICK = PRESETS["default"].replace(epochs=2)


def test_history_records_every_epoch(mnist_small):
    result = train(mnist_small, QUICK, handle_signals=False)
    assert [r["epoch"] for r in result.history] == [1, 2]
    for r in result.history:
        assert {"train_loss", "val_loss", "val_accuracy", "seconds", "lr"} <= set(r)
        assert r["seconds"] > 0 and 0 <= r["val_accuracy"] <= 1
    assert result.history[1]["train_loss"] < result.history[0]["train_loss"]
    assert result.seconds == pytest.approx(sum(r["seconds"] for r in result.history))
    meta = result.network.metadata
    assert meta["config"] == QUICK.to_dict()
    assert meta["data"]["train"]["files"] == mnist_small.files
    assert meta["metrics"]["val_accuracy"] == result.history[-1]["val_accuracy"]


def test_same_seed_gives_bit_identical_weights(mnist_small):
    a = train(mnist_small, QUICK, handle_signals=False).network
    b = train(mnist_small, QUICK, handle_signals=False).network
    assert a.params.tobytes() == b.params.tobytes()
    c = train(mnist_small, QUICK.replace(seed=1), handle_signals=False).network
    assert a.params.tobytes() != c.params.tobytes()




@pytest.mark.parametrize("config", [
    QUICK.replace(epochs=3),
    QUICK.replace(epochs=3, optimizer="sgd", momentum=0.9, lr=0.05, early_stopping=True, patience=1),
])
def test_interrupted_then_resumed_equals_uninterrupted(mnist_small, tmp_path, config):
    straight = train(mnist_small, config, handle_signals=False).network
    ckpt = tmp_path / "run.ckpt"
    with pytest.raises(TrainingInterrupted) as e:
        train(mnist_small, config, checkpoint=str(ckpt), callback=StopAt(2, 20),
              handle_signals=False)
    assert e.value.checkpoint == str(ckpt) and "epoch 2, step" in str(e.value)
    resumed = train(mnist_small, checkpoint=str(ckpt), resume=str(ckpt), handle_signals=False)
    assert resumed.network.params.tobytes() == straight.params.tobytes()
    assert [r["epoch"] for r in resumed.history] == list(range(1, config.epochs + 1))


def test_checkpoint_written_after_every_epoch(mnist_small, tmp_path):
    seen = []

    class Watch(Callback):
        def on_epoch_end(self, epoch, record, network):
            seen.append(modelfile.load_checkpoint(tmp_path / "c.ckpt").progress["epoch"])

    train(mnist_small, QUICK, checkpoint=str(tmp_path / "c.ckpt"), callback=Watch(),
          handle_signals=False)
    assert seen == [1, 2]


def test_resume_refuses_a_finished_model(mnist_small, tmp_path):
    net = train(mnist_small, QUICK.replace(epochs=1), handle_signals=False).network
    modelfile.save(net, tmp_path / "m.safetensors")
    with pytest.raises(Exception, match="not a training checkpoint"):
        train(mnist_small, resume=str(tmp_path / "m.safetensors"), handle_signals=False)


def test_the_python_api_checks_the_checkpoint_before_reading_data(tmp_path):
    import digitnet
    from digitnet.errors import ModelFileError

    with pytest.raises(ModelFileError, match=r"c\.ckpt: no such file; a run writes its checkpoint"):
        digitnet.train(str(tmp_path / "no-such-folder"), resume=str(tmp_path / "c.ckpt"))


def test_divergence_keeps_last_good_weights(mnist_small):
    from digitnet import Network

    config = QUICK.replace(optimizer="sgd", lr=1e37, schedule="constant")
    with pytest.raises(DivergenceError, match="lower learning rate") as e:
        train(mnist_small, config, handle_signals=False)
    net = e.value.network
    assert np.isfinite(net.params).all()
    # Diverging in epoch 1 leaves the initial weights, which the seed reproduces.
    fresh = Network(config.sizes, config.activation, seed=np.random.default_rng((config.seed, 1)))
    np.testing.assert_array_equal(net.params, fresh.params)


def test_early_stopping_restores_best_weights(mnist_small):
    config = QUICK.replace(epochs=12, lr=0.05, schedule="constant", early_stopping=True,
                           patience=2, shift=0)
    result = train(mnist_small, config, handle_signals=False)
    best = min(result.history, key=lambda r: r["val_loss"])
    assert result.best_epoch == best["epoch"]
    if result.stopped_early:
        assert len(result.history) == result.best_epoch + 2
    # The returned weights are the best epoch's: re-evaluating gives its validation loss.
    from digitnet.datasets import train_val_split

    _, val = train_val_split(mnist_small, config.val_fraction, config.seed)
    ev = evaluate(result.network, val.x, val.labels)  # read as the model reads them
    assert ev.loss == pytest.approx(best["val_loss"], rel=1e-5)


def test_input_size_must_match_images(mnist_small):
    with pytest.raises(DataError, match="784 pixels but the network's input layer has 100 "
                                        r"neurons; give it 784 inputs \(--layers 784,...; in "
                                        r"Python, sizes=\(784, ...\)\)"):
        train(mnist_small, QUICK.replace(sizes=(100, 10)), handle_signals=False)


# -- engines in the loop ----------------------------------------------------------------------

needs_compiled = pytest.mark.skipif(not compiled.available(),
                                    reason="digitnet's compiled engine is not built here")


def test_engine_choice():
    net, sgd = Network(seed=0), optimizers.SGD(13002)
    assert engines.choose("numpy", net, sgd).name == "numpy"
    assert engines.choose("auto", net, sgd).name == ("compiled" if compiled.available() else "numpy")
    for feature in ("dropout", "distillation", "label smoothing"):  # the NumPy engine's alone
        assert engines.choose("auto", net, sgd, features=(feature,)).name == "numpy"
    with pytest.raises(ConfigError, match="unknown engine 'fast'; choose one of auto, compiled, numpy"):
        engines.choose("fast", net, sgd)
    wide = Network((784, engines.WIDEST_LAYER + 1, 10), seed=0)  # auto leaves it to BLAS
    assert engines.choose("auto", wide, optimizers.SGD(wide.parameter_count)).name == "numpy"
    net64 = Network((784, 16, 10), seed=0, dtype=np.float64)
    opt64 = optimizers.SGD(net64.parameter_count, dtype=np.float64)
    assert engines.choose("auto", net64, opt64).name == "numpy"
    with pytest.raises(ConfigError, match="float32|not built"):
        engines.choose("compiled", net64, opt64)


@needs_compiled
def test_compiled_engine_takes_wide_layers_when_asked():
    wide = Network((784, 300, 10), seed=0)
    assert engines.choose("compiled", wide, optimizers.SGD(wide.parameter_count)).name == "compiled"


ENGINE_NAMES = ["numpy", pytest.param("compiled", marks=needs_compiled)]


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_each_engine_is_reproducible_and_resumes_exactly(mnist_small, tmp_path, engine):
    straight = train(mnist_small, QUICK, handle_signals=False, engine=engine)
    again = train(mnist_small, QUICK, handle_signals=False, engine=engine)
    assert straight.network.params.tobytes() == again.network.params.tobytes()
    ckpt = str(tmp_path / "run.ckpt")
    with pytest.raises(TrainingInterrupted):
        train(mnist_small, QUICK, checkpoint=ckpt, callback=StopAt(2, 12), handle_signals=False,
              engine=engine)
    resumed = train(mnist_small, resume=ckpt, handle_signals=False, engine=engine)
    assert resumed.network.params.tobytes() == straight.network.params.tobytes()
    assert resumed.history[-1]["train_loss"] == straight.history[-1]["train_loss"]
    assert resumed.val_accuracy > 0.85  # and it learned


@needs_compiled
def test_a_checkpoint_records_its_engine_and_resumes_with_it(mnist_small, tmp_path, monkeypatch):
    """The engines differ by rounding: resuming with "auto" must not switch a NumPy run to C."""
    straight = train(mnist_small, QUICK, handle_signals=False, engine="numpy")
    ckpt = str(tmp_path / "run.ckpt")
    with pytest.raises(TrainingInterrupted):
        train(mnist_small, QUICK, checkpoint=ckpt, callback=StopAt(2, 12), handle_signals=False,
              engine="numpy")
    assert modelfile.load_checkpoint(ckpt).progress["engine"] == "numpy"
    resumed = train(mnist_small, resume=ckpt, handle_signals=False)  # engine="auto"
    assert resumed.network.params.tobytes() == straight.network.params.tobytes()

    # Asked for the other engine, it goes on with it, warns, and records the switch.
    with pytest.raises(TrainingInterrupted):
        train(mnist_small, QUICK, checkpoint=ckpt, callback=StopAt(2, 12), handle_signals=False,
              engine="numpy")
    with pytest.warns(UserWarning, match="trained with the numpy engine and is resumed with the "
                                         "compiled engine: the result will differ"):
        switched = train(mnist_small, resume=ckpt, checkpoint=ckpt, handle_signals=False,
                         engine="compiled")
    assert switched.network.params.tobytes() != straight.network.params.tobytes()
    assert modelfile.load_checkpoint(ckpt).progress["engine"] == "compiled"

    # A compiled run's checkpoint where the C engine cannot run: a clear error, unless asked.
    with pytest.raises(TrainingInterrupted):
        train(mnist_small, QUICK, checkpoint=ckpt, callback=StopAt(2, 12), handle_signals=False)
    assert modelfile.load_checkpoint(ckpt).progress["engine"] == "compiled"
    monkeypatch.setattr(compiled, "_kernel", None)  # as on a machine where it was not built
    with pytest.raises(ConfigError, match=r"run.ckpt was trained with the compiled engine, which "
                                          r"cannot run here: .*not built.*--engine numpy"):
        train(mnist_small, resume=ckpt, handle_signals=False)
    with pytest.warns(UserWarning, match="compiled engine and is resumed with the numpy engine"):
        train(mnist_small, resume=ckpt, handle_signals=False, engine="numpy")


# -- the Python API's train() -----------------------------------------------------------------


def test_the_api_takes_every_option_as_a_keyword(mnist_small):
    import digitnet

    result = digitnet.train(mnist_small, epochs=1, engine="numpy", lr=0.01, shift=0,
                            handle_signals=False)
    assert result.config == PRESETS["default"].replace(epochs=1, lr=0.01, shift=0)
    assert result.network.metadata["config"]["lr"] == 0.01
    with pytest.raises(ConfigError, match=r"unknown option 'epoch' \(did you mean epochs\?\); "
                                          r"it takes hidden, preset, target, config, the "
                                          r"TrainConfig options sizes, .* and val, test, callback"):
        digitnet.train(mnist_small, epoch=1)
    # scikit-learn's MLPClassifier's names, by what they are here; no guess for what is no name
    with pytest.raises(ConfigError, match=r"unknown options 'hidden_layer_sizes' \(did you mean "
                                          r"hidden\?\), 'max_iter' \(did you mean epochs\?\), "
                                          r"'zzz'; it takes"):
        digitnet.train(mnist_small, hidden_layer_sizes=(16,), max_iter=3, zzz=1)
    with pytest.raises(ConfigError, match="unknown preset 'fast'"):
        digitnet.train(mnist_small, preset="fast")


def test_resuming_with_the_same_options_repeated_is_fine_and_a_change_is_named(mnist_small,
                                                                             tmp_path):
    import digitnet

    ckpt = str(tmp_path / "run.ckpt")
    options = dict(epochs=2, lr=0.002, seed=3)
    straight = digitnet.train(mnist_small, handle_signals=False, **options)
    with pytest.raises(TrainingInterrupted):
        digitnet.train(mnist_small, checkpoint=ckpt, callback=StopAt(2, 5), handle_signals=False,
                       **options)
    resumed = digitnet.train(mnist_small, resume=ckpt, handle_signals=False, **options)
    assert resumed.network.params.tobytes() == straight.network.params.tobytes()
    with pytest.raises(ConfigError, match=r"run.ckpt: a resumed run keeps its checkpoint's "
                                          r"options, and these differ: lr was 0.002, now 0.01"):
        digitnet.train(mnist_small, resume=ckpt, handle_signals=False, epochs=2, lr=0.01)


def test_a_test_set_is_scored_once_at_the_end_and_recorded(mnist_small, mnist):
    test = mnist.subset(slice(20000, 21000), "test")
    result = train(mnist_small, QUICK, test=test, handle_signals=False)
    expected = evaluate(result.network, test.x, test.labels)
    assert result.test_accuracy == expected.accuracy
    assert result.network.metadata["metrics"]["test_accuracy"] == expected.accuracy
