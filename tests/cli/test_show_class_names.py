"""``digitnet show network``, ``saliency``, ``dream`` and ``weights`` name a model's outputs by
its classes, as predict, evaluate and the other pictures do: for models trained by ``digitnet
train`` on real MNIST digits in class folders named "07", "1" and "7" (the class "7" is output
neuron 2) and named in words, and for a digit model, whose pictures read as they always did.
The figures are read from matplotlib as the command saves them."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from PIL import Image
from real_data import write_digit_folder

from digitnet import inputs, mistakesviz, modelfile, viz

#: Real digits 0, 1 and 7 in folders of these names: "7" sorts after "07" and "1", so the
#: class "7" is output 2, and no output's number is its name.
NUMBERED = {0: "07", 1: "1", 7: "7"}
#: The same digits in folders named in words, one with a space (a name a list quotes).
WORDED = {0: "zero", 1: "one", 7: "lucky seven"}


def _trained(run, mnist, root, names):
    """A model trained for 4 epochs by `digitnet train` on 1,500 real 0s, 1s and 7s in class
    folders named by ``names``."""
    index = np.flatnonzero(np.isin(mnist.labels[:8000], list(names)))[:1500]
    write_digit_folder(root / "data", mnist.x[index], mnist.labels[index], photo_every=0,
                       names=names)
    out = root / "model.safetensors"
    result = run("train", "--data", root / "data", "--epochs", "4", "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def numbered(run, mnist, tmp_path_factory):
    return _trained(run, mnist, tmp_path_factory.mktemp("numbered"), NUMBERED)


@pytest.fixture(scope="module")
def worded(run, mnist, tmp_path_factory):
    return _trained(run, mnist, tmp_path_factory.mktemp("worded"), WORDED)


@pytest.fixture(scope="module")
def sevens(mnist, tmp_path_factory):
    """Twenty real 7s no model here learned from (the prefix's digits from 20,000 on), as PNGs."""
    folder = tmp_path_factory.mktemp("sevens")
    paths = []
    for k, i in enumerate(np.flatnonzero(mnist.labels[20000:] == 7)[:20] + 20000):
        paths.append(folder / f"{k}.png")
        Image.fromarray(mnist.x[i]).save(paths[-1])
    return paths


@pytest.fixture
def drawn(monkeypatch):
    """The figures the commands save, in order (each saved all the same)."""
    figures, save = [], viz.save_figure

    def keep(fig, path, *args, **kwargs):
        figures.append(fig)
        return save(fig, path, *args, **kwargs)

    monkeypatch.setattr(viz, "save_figure", keep)
    return figures


def _read_as(run, model, path) -> tuple[str, float]:
    """The class ``model`` reads the picture at ``path`` as, and how sure it is, as `digitnet
    predict` says."""
    answer = json.loads(run("predict", model, path, "--json").stdout)
    return answer["class"], max(answer["probabilities"])


def _a_seven_read_as(run, model, sevens, name: str):
    """One of the real 7s that ``model`` reads as class ``name``; most are."""
    read = [path for path in sevens if _read_as(run, model, path)[0] == name]
    assert len(read) >= 15, f"only {len(read)} of 20 real 7s read as {name!r}"
    return read[0]


def _says(text: str, pattern: str, p: float, decimals: int) -> None:
    """``text`` is ``pattern`` with its one group a percentage ``p`` to ``decimals`` places
    (``p`` as `digitnet predict --json` gives it, to six places: compared as nearly equal)."""
    said = re.fullmatch(pattern, text)
    assert said, text
    assert float(said.group(1)) == pytest.approx(100 * p, abs=0.5 * 10 ** -decimals + 1e-3)


def _show(run, drawn, *args):
    result = run("show", *map(str, args))
    assert result.exit_code == 0, result.output
    return drawn[-1]


def _outputs(fig) -> list[str]:
    """The names beside the network diagram's output neurons (monospace: name, then %)."""
    return [t.get_text().rsplit(None, 1)[0].strip() for t in fig.axes[0].texts
            if t.get_fontfamily() == ["monospace"]]


def _winner(fig) -> str:
    return next(t.get_text().rsplit(None, 1)[0].strip() for t in fig.axes[0].texts
                if t.get_fontfamily() == ["monospace"] and t.get_fontweight() == "bold")


def test_the_network_diagram_names_the_answer_and_the_outputs_by_class(run, numbered, sevens,
                                                                      drawn, tmp_path):
    seven = _a_seven_read_as(run, numbered, sevens, "7")
    fig = _show(run, drawn, "network", numbered, seven, "--out", tmp_path / "n.png")
    _says(fig.axes[0].texts[-2].get_text(), r"The 784-16-16-3 network reads 7 \((\d+\.\d)%\)",
          _read_as(run, numbered, seven)[1], 1)
    assert sorted(_outputs(fig)) == ["07", "1", "7"] and _winner(fig) == "7"
    fig.canvas.draw()
    for t in fig.axes[0].texts:  # (the names' room is made: nothing runs off the picture)
        box = t.get_window_extent()
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, t.get_text()


def test_saliency_names_the_answer_and_its_output_neuron(run, numbered, sevens, drawn, tmp_path):
    seven = _a_seven_read_as(run, numbered, sevens, "7")
    fig = _show(run, drawn, "saliency", numbered, seven, "--out", tmp_path / "s.png")
    said = " ".join(fig.get_suptitle().split())
    assert said == ("Saliency: which pixels made the network answer 7 (gradient of output z2 "
                    "(class 7), before softmax)")
    titles = [ax.get_title() for ax in fig.axes]
    _says(titles[0], r"input: read as 7 \((\d+)%\)", _read_as(run, numbered, seven)[1], 0)
    assert titles[1] == "∂z2/∂pixel: blue + , red −"
    assert titles[2] == "lit pixels pushing towards 7\n(gradient × input, positive part)"


def test_dream_takes_a_class_by_its_name_and_draws_each_by_name(run, numbered, drawn, tmp_path):
    out = tmp_path / "d.png"
    fig = _show(run, drawn, "dream", numbered, "--digit", "7", "--out", out)
    assert fig.get_suptitle().startswith("The input that most excites output 2 (class 7)\n")
    [title] = [ax.get_title() for ax in fig.axes]
    assert re.fullmatch(r"7: p = \d+%", title)
    assert "(not a picture of the class:" in fig.get_suptitle()
    fig = _show(run, drawn, "dream", numbered, "--class", "07", "--out", out)
    assert fig.get_suptitle().startswith("The input that most excites output 0 (class 07)\n")
    fig = _show(run, drawn, "dream", numbered, "--out", out)
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["07", "1", "7"]


def test_dream_refuses_a_number_that_is_no_class_name_of_numbered_classes(run, numbered,
                                                                         tmp_path, one_line):
    """2 could be the digit 2 (which this model does not know) or output 2 (the class "7"):
    neither is guessed; 07 and 7 are names, whatever their neurons."""
    result = run("show", "dream", numbered, "--digit", "2", "--out", tmp_path / "d.png")
    assert result.exit_code == 2
    assert one_line(result.stderr) == (
        f"digitnet: error: Invalid value for '--digit' / '--class': 2 is not a class of "
        f"{numbered} (its classes: 07, 1, 7); give a class's name; see digitnet show dream "
        "--help")
    assert not (tmp_path / "d.png").exists()


def test_the_output_layers_templates_are_named_by_class(run, numbered, drawn, tmp_path):
    fig = _show(run, drawn, "weights", numbered, "--layer", "3", "--out", tmp_path / "w.png")
    assert [ax.get_title().split("\n")[0] for ax in fig.axes] == ["07", "1", "7"]


def test_classes_named_in_words(run, worded, sevens, drawn, tmp_path):
    """No "a" before a name that is not a digit, and a name with a space quoted; with no
    class named by a number, an output's number picks it too."""
    seven = _a_seven_read_as(run, worded, sevens, "lucky seven")
    fig = _show(run, drawn, "network", worded, seven, "--out", tmp_path / "n.png")
    assert fig.axes[0].texts[-2].get_text().startswith(
        'The 784-16-16-3 network reads "lucky seven" (')
    assert sorted(_outputs(fig)) == ["lucky seven", "one", "zero"]
    fig = _show(run, drawn, "saliency", worded, seven, "--out", tmp_path / "s.png")
    assert " ".join(fig.get_suptitle().split()).startswith(
        'Saliency: which pixels made the network answer "lucky seven" (gradient of output z0 '
        '(class "lucky seven"), before softmax)')
    fig = _show(run, drawn, "dream", worded, "--class", "one", "--class", "2",
                "--out", tmp_path / "d.png")
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["one", "zero"]
    result = run("show", "dream", worded, "--class", "seven", "--out", tmp_path / "d.png")
    assert result.exit_code == 2
    assert ('seven is not a class of' in result.stderr and '(its classes: "lucky seven", one, '
            "zero); give a class's name, or its number from 0 to 2" in result.stderr)


def test_the_python_pictures_name_the_classes_by_default(worded, mnist):
    """viz's confusion and mistakes pictures, given no names, take the model's."""
    net = modelfile.load(worded)
    assert inputs.classes_of(net) == sorted(WORDED.values())  # (class folders: sorted)
    index = np.flatnonzero(np.isin(mnist.labels[20000:], list(WORDED)))[:200] + 20000
    labels = np.searchsorted(sorted(WORDED.values()), [WORDED[d] for d in mnist.labels[index]])
    rows = inputs.of(net).rows(mnist.x[index])
    confusion = viz.confusion_figure(net, rows, labels)
    assert [t.get_text() for t in confusion.axes[0].get_xticklabels()] == [
        "lucky seven", "one", "zero"]
    mistakes = mistakesviz.mistakes_figure(net, rows, labels, n=4)
    said = [ax.get_title() for ax in mistakes.axes]
    assert said and all(re.fullmatch(r"#[\d,]+\ntrue (zero|one|lucky seven)\nsaid (zero|one|"
                                     r"lucky seven) \d+%", s) for s in said)


def test_a_digit_models_pictures_read_as_before(run, trained, real_digit_images, drawn,
                                                tmp_path):
    model = trained[0]
    image, _ = real_digit_images
    Image.fromarray(image[5]).save(tmp_path / "five.png")
    digit, p = _read_as(run, model, tmp_path / "five.png")
    fig = _show(run, drawn, "network", model, tmp_path / "five.png", "--out", tmp_path / "n.png")
    _says(fig.axes[0].texts[-2].get_text(),
          rf"The 784-16-16-10 network reads a {digit} \((\d+\.\d)%\)", p, 1)
    assert sorted(_outputs(fig)) == [str(d) for d in range(10)] and _winner(fig) == digit
    fig = _show(run, drawn, "saliency", model, tmp_path / "five.png", "--out", tmp_path / "s.png")
    assert fig.get_suptitle() == (f"Saliency: which pixels made the network answer {digit} "
                                  f"(gradient of output z{digit}, before softmax)")
    fig = _show(run, drawn, "dream", model, "--digit", "5", "--out", tmp_path / "d.png")
    assert fig.get_suptitle().startswith("The input that most excites output 5\n")
    assert "(not a digit:" in fig.get_suptitle()
    assert re.fullmatch(r"5: p = \d+%", fig.axes[0].get_title())
    fig = _show(run, drawn, "weights", model, "--layer", "3", "--out", tmp_path / "w.png")
    assert [ax.get_title().split("\n")[0] for ax in fig.axes] == [f"digit {d}" for d in range(10)]
    result = run("show", "dream", model, "--digit", "10", "--out", tmp_path / "d.png")
    assert result.exit_code == 2 and "10 is not a class of" in result.stderr


def test_dream_help_is_true_for_any_number_of_classes(run):
    text = " ".join(run("show", "dream", "--help").output.split())
    assert "ten" not in text.split() and "Default: every class." in text
    assert "--digit, --class CLASS" in text
