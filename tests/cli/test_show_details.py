"""Details of what ``digitnet show`` says and draws, on models trained by ``digitnet train`` on
real digits: the classes a neuron's loss hurts, the robustness table's levels and units, whole
numbers on the axes of epochs and trials, one input for the one-input pictures, and an edited
model's training curves labelled as from before its edits."""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image

from digitnet import historyviz, modelfile, poke, searchviz, studies


@pytest.fixture(scope="module")
def narrow(run, digits_dir, tmp_path_factory):
    """A 784-6-10 network trained on 3,000 real digits, then its neurons 0, 2 and 4 switched off
    by `digitnet edit`: (the edited model's path, the neurons switched off)."""
    folder = tmp_path_factory.mktemp("narrow")
    trained = folder / "narrow.safetensors"
    result = run("train", "--data", digits_dir, "--hidden", "6", "--epochs", "2", "--out", trained)
    assert result.exit_code == 0, result.output
    off = [[1, 0], [1, 2], [1, 4]]
    (folder / "off.json").write_text(json.dumps({"off": off}))
    edited = folder / "edited.safetensors"
    result = run("edit", trained, folder / "off.json", "--out", edited)
    assert result.exit_code == 0, result.output
    return edited, {tuple(p) for p in off}


def test_show_ablation_names_only_the_classes_that_lose(run, narrow, digits_dir, tmp_path):
    """A neuron already off is not ranked (switching it off again would cost nothing), and a
    class is listed only when its loss shows as a loss (not -0%, not a gain)."""
    model, off = narrow
    result = run("show", "ablation", model, "--data", digits_dir, "--out", tmp_path / "a.png")
    assert result.exit_code == 0, result.output
    first, *lines = result.stdout.splitlines()[:-1]
    assert first.endswith("(val), each hidden neuron switched off alone:"), first
    rise = re.fullmatch(r"Switched off alone, layer 1 neuron (\d) raises accuracy the most: "
                        r"([\d.]+)% -> ([\d.]+)%", lines.pop())  # (this narrow net: it does)
    assert rise and float(rise[3]) >= float(rise[2]) + 1 and (1, int(rise[1])) not in off, rise
    assert len(lines) == 6 - len(off)  # the three of six still on
    said = {}
    for line in lines:
        found = re.match(r"layer (\d+) neuron (\d+): accuracy [\d.]+% -> [\d.]+%; (.*)$", line)
        assert found, line
        said[int(found[1]), int(found[2])] = found[3]
    assert not set(said) & off
    for words in said.values():
        assert words == "no class loses accuracy" or re.fullmatch(
            r"hurts digit \d \([\d.]+% -> [\d.]+%\)(, digit \d \([\d.]+% -> [\d.]+%\)){0,2}",
            words), words


def test_show_robustness_prints_each_accuracy_under_its_level(run, trained, digits_dir,
                                                               tmp_path):
    model = trained[0]
    result = run("show", "robustness", model, "--data", digits_dir, "--count", "60",
                 "--out", tmp_path / "r.png")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[:-1]
    assert len(lines) == 3 * len(poke.DISTORTIONS)  # per distortion: what, levels, accuracies
    for (name, (unit, levels)), start in zip(poke.DISTORTIONS.items(), range(0, len(lines), 3)):
        head, level_row, accuracy_row = lines[start:start + 3]
        assert head == f"{name}: accuracy by {unit}"
        assert level_row.split() == [f"{v:g}" for v in levels]
        assert accuracy_row.split()[0] == model.name
        cells = accuracy_row.split()[1:]
        assert len(cells) == len(levels) and all(re.fullmatch(r"\d+%", c) for c in cells)
        # Each accuracy stands right under (right-aligned with) the level it was measured at.
        level_ends = [m.end() for m in re.finditer(r"\S+", level_row)]
        assert [m.end() for m in re.finditer(r"\d+%", accuracy_row)] == level_ends


def _visible_ticks(ax) -> list[float]:
    ax.figure.canvas.draw()
    low, high = ax.get_xlim()
    return [t for t in ax.get_xticks() if low <= t <= high]


def test_history_has_whole_epochs_on_its_axis(trained):
    history = modelfile.load(trained[0]).metadata["history"]
    assert [r["epoch"] for r in history] == [1, 2]
    for records, epochs in ((history, [1, 2]), (history[:1], [1])):
        fig = historyviz.history_figure(records)
        for ax in fig.axes:
            assert _visible_ticks(ax) == epochs


def test_search_of_one_trial_has_its_number_as_the_only_tick(run, digits_dir, tmp_path):
    result = run("tune", "--trials", "1", "--epochs", "1", "--pruner", "none",
                 "--data", digits_dir, "--storage", tmp_path / "tune.db",
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    study = studies.load_study(studies.open_storage(str(tmp_path / "tune.db"), create=False),
                               None)
    records = studies.records(study)
    assert [r.number for r in records if r.state == "COMPLETE"] == [0]
    fig = searchviz.search_figure(records, studies.importances(study))
    assert _visible_ticks(fig.axes[0]) == [0]


@pytest.mark.parametrize("kind", ["network", "saliency"])
def test_one_input_pictures_refuse_a_folder(run, trained, real_digit_images, tmp_path,
                                            one_line, kind):
    images, labels = real_digit_images
    folder = tmp_path / "pngs"
    folder.mkdir()
    for image, label in zip(images[:3], labels[:3]):
        Image.fromarray(255 - image).save(folder / f"{label}.png")
    out = tmp_path / f"{kind}.png"
    result = run("show", kind, trained[0], folder, "--out", out)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (f"digitnet: error: {folder}: is a folder, and `digitnet "
                                       f"show {kind}` draws one input; give one picture or .npy "
                                       "file")
    assert not out.exists()
    one = folder / f"{labels[0]}.png"
    assert run("show", kind, trained[0], one, "--out", out).exit_code == 0 and out.exists()


def test_history_of_an_edited_model_says_it_is_from_before_the_edits(run, trained, narrow,
                                                                      tmp_path):
    """The picture's title (a comment in the SVG, which draws its letters as shapes) says the
    curves are the training's, recorded before the edits; a model not edited keeps its name."""
    edited, off = narrow
    titles = []
    for model in (edited, trained[0]):
        out = tmp_path / f"{model.stem}.svg"
        result = run("show", "history", model, "--out", out)
        assert result.exit_code == 0, result.output
        texts = re.findall(r"<!-- (.*?) -->", out.read_text())
        titles.append(next(t for t in texts if t.startswith(model.name)))
    note = f"recorded in training, before the {len(off)} edits made by hand since"
    assert titles == [f"{edited.name}: {note} (digitnet info lists them)", trained[0].name]
