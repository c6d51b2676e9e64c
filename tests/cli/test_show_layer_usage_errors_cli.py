"""`digitnet show weights MODEL --layer L` with a layer MODEL does not have is a usage error
(exit code 2) naming --layer, one message whether L is below the first layer or past the last:
--layer 0 was click's range check (exit 2) and --layer 4 of a 784-16-16-10 network exit 1 with
the library's "layer must be between ..."; now the library's one check of a layer
(probes.check_layer) says it, as a usage error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.engine_independent  # (the model is the fixture's: nothing trained here)


@pytest.mark.parametrize("layer, said", [("0", "is the input layer: it has no weights"),
                                         ("4", "does not exist"), ("-1", "does not exist")])
def test_a_layer_the_model_lacks_is_a_usage_error(run, trained, tmp_path, one_line, layer, said):
    out = tmp_path / "w.png"
    result = run("show", "weights", trained[0], "--layer", layer, "--out", out)
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: Invalid value for '--layer': layer {layer} {said}; this 784-16-16-10 "
        "network's layers with weights are 1 (the first hidden layer) to 3 (the output layer); "
        "see digitnet show weights --help")
    assert not out.exists()


def test_the_last_layer_is_drawn(run, trained, tmp_path):
    out = tmp_path / "w.png"
    result = run("show", "weights", trained[0], "--layer", "3", "--out", out)
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_the_check_names_neurons_and_the_input_layer_too(trained):
    """The one check the show commands' --layer and --neuron go through: --neuron past the
    layer's, and layer 0 (the input) taken where asked for (show embedding's maps)."""
    import click

    from digitnet import modelfile
    from digitnet.cli.show_cmds import check_layer_neuron

    net = modelfile.load(trained[0])
    check_layer_neuron(net, 0, lowest=0)
    check_layer_neuron(net, 3, 9)
    with pytest.raises(click.BadParameter) as e:
        check_layer_neuron(net, 1, 16)
    assert e.value.param_hint == "'--neuron'"
    assert e.value.format_message() == ("Invalid value for '--neuron': neuron 16 does not exist: "
                                        "layer 1 has 16 neurons, 0 to 15")
    with pytest.raises(click.BadParameter) as e:
        check_layer_neuron(net, 4, lowest=0)
    assert e.value.format_message() == (
        "Invalid value for '--layer': layer 4 does not exist; this 784-16-16-10 network's "
        "layers are 0 (the input) to 3 (the output layer)")
