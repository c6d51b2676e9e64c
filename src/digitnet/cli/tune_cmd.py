"""``digitnet tune``: search for the best training recipe with Optuna, on one machine or many."""

from __future__ import annotations

import copy
import json
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from .. import datasets, modelfile, recipes, replacing, spacecheck, splits, studies, words
from ..config import PRESETS, TrainConfig
from ..errors import DigitnetError, TrainingError, TrainingInterrupted, one_line
from ..searchspace import LAYERS_SPACE, Space, default_space
from ..searchstop import SearchStopFlag
from ..stopping import StopFlag
from ..tuning import PRUNERS, Search, interrupted_message, open_study, tune
from . import train_files
from .group import cli
from .train_cmd import given_fields, recipe_params
from .tune_display import PlainDisplay, RichDisplay


def _check_study_name(ctx, param, value: str) -> str:
    """--study's value, or BadParameter (at parsing, before anything is read) for a blank
    name: Optuna would make a study of that name, which no listing shows."""
    if not value.strip():
        raise click.BadParameter(f"{value!r} names no study; give it a name, or leave --study "
                                 "out for the study 'digitnet'")
    return value


def _check_storage(ctx, param, value: str | None) -> str | None:
    """--storage's value, or BadParameter for a blank one (it named tune.db beside --out, as
    if --storage had been left out, without a word)."""
    if value is not None and not value.strip():
        raise click.BadParameter(f"{value!r} names no database; give a file such as tune.db or "
                                 "a postgresql:// URL, or leave --storage out for tune.db beside "
                                 "--out")
    return value


@cli.command("tune")
@click.option("--trials", type=click.IntRange(min=1), default=50, show_default=True,
              help="Trials the study should have, counting those of earlier runs and of other "
                   "processes on the same study.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Trials run side by side on this machine (processes of one thread each).")
@click.option("--timeout", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Start no new trial after this many seconds.")
@click.option("--storage", metavar="FILE|URL", callback=_check_storage,
              help="The study's database: a SQLite file, or postgresql://USER:PASSWORD@HOST/DB "
                   "for a study that many machines share  [default: tune.db beside --out].")
@click.option("--study", "study_name", default="digitnet", show_default=True, metavar="NAME",
              callback=_check_study_name,
              help="The study's name in the database; the same name continues it, with the "
                   "options it was started with (training options, --space, --engine, "
                   "--pruner, the data and its --target).")
@click.option("--space", "space_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="A JSON search space (training option -> distribution) instead of the "
                   "default one for the data; --show-space prints that in this form.")
@click.option("--search-layers", is_flag=True,
              help="Also search the hidden layers: 1 to 3 of them, 16 to 512 neurons each "
                   "(--layers then gives only the input and output sizes).")
@click.option("--pruner", type=click.Choice(PRUNERS), default=PRUNERS[0], show_default=True,
              help="How hopeless trials are stopped early (a study is continued only with "
                   "the pruner it was started with).")
@click.option("--show-space", is_flag=True,
              help="Print the search space these options give, as JSON, and exit.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many of the best trials to list at the end.")
@click.option("--out", type=click.Path(dir_okay=False), default="best.json", show_default=True,
              help="Where to save the best recipe (for digitnet train --config).")
def tune_command(trials, jobs, timeout, storage, study_name, space_file, search_layers, pruner,
                 show_space, top, out, data, target, preset, config_file, engine, **options):
    """Search for the training recipe with the best validation accuracy.

    Each trial trains a network with a recipe that Optuna's TPE sampler draws from the search
    space (learning rate, optimiser and momentum, schedule, batch size, epochs, shifts, weight
    decay, hidden activation; for a table no shifts; for recordings dropout and copies with
    warped frequencies, cut starts or ends and another microphone's colour, and label
    smoothing, instead of shifts; with --search-layers the hidden layers too) and scores it on
    the validation split (never a test split; --val-speaker holds out a voice). Training
    options given here or in --config, and those in which --preset departs from the default
    recipe (unless --space names them), are fixed and not searched, nor is what can never take
    effect under them (momentum without SGD); --seed also seeds the sampler. Ctrl-C stops,
    saving the best recipe so far to --out; the same command again continues the study.
    Several commands (on several machines, with --storage postgresql://...) can fill one study
    together.
    """
    given, fixed = _fixed_fields(preset, config_file, options)
    if search_layers:  # (a --config file's layers too: the search's layers fit the data)
        given.pop("sizes", None), fixed.pop("sizes", None)
    base = PRESETS[preset].replace(**given)
    chosen = Space.from_file(space_file).table if space_file else None
    if chosen:  # a field your own --space names is searched, though the preset sets it
        fixed = {field: option for field, option in fixed.items()
                 if not (field in chosen and option.startswith("--preset"))}
    if not show_space:  # (the best recipe is written in minutes: its file is checked first)
        url = studies.storage_url(storage or Path(out).parent / "tune.db")
        _refuse_out_over_study(out, url, storage is None)  # (said before: "names a database")
        train_files.outputs(out, None, None, data, {"--config": config_file, "--space": space_file},
                            model=False)
    # a SQLite file made here is removed again if the command stops before its study is made
    with nullcontext() if show_space else studies.NewDatabase(url) as made:
        if not show_space:  # a bad database is one line before the data is read
            opened = made.storage = _before_trials(lambda: studies.open_storage(url))
        interactive = sys.stderr.isatty()
        train_set = datasets.load(data, split="train", target=target, progress=interactive)
        if not show_space:
            train_files.refuse_data_folder(data, train_set.source, {"--out": out})
        if train_set.note:
            cli.note(train_set.note)
        if "sizes" in given:  # (a --config file's layers, tuned on other data: said so)
            recipes.check_layers_given(train_set, given["sizes"], fixed["sizes"], tuning=True)
        base = recipes.for_data(base, train_set, given)  # layers; a table's or voice's recipe
        table = chosen if chosen is not None else default_space(train_set.input)
        space = Space({**table, **(LAYERS_SPACE if search_layers else {})},
                      space_file or "the search space").without(
                          {field: f"is fixed by {option}" for field, option in fixed.items()})
        _say_fixed_named(chosen, fixed, space_file)
        idle = space.idle(base)  # can never take effect on this base recipe: not searched
        space = space.without(idle)
        if show_space:  # (checked as a search checks it: each value on the recipe and the data)
            spacecheck.check(space, base, train_set, engine)
            click.echo(space.to_json(), nl=False)
            return
        search = Search(train_set, base, space, trials, jobs, pruner, timeout, engine)
        # a study started with other options is refused before the search is announced
        study = _before_trials(lambda: open_study(search, opened, study_name))
    _announce(search, study_name, url, idle)
    try:
        with (RichDisplay() if interactive else PlainDisplay()) as display:
            study = tune(search, url, study_name, progress=display, study=study)
    except TrainingInterrupted:  # (the running trials are requeued): the best so far is saved
        with SearchStopFlag(True, stopping=True):  # (more Ctrl-Cs meanwhile: the same request)
            said = _saved_at_interrupt(study, trials, out)
        raise TrainingInterrupted(said) from None
    best = _results(study, study_name, display.ran, trials, timeout, top)
    path = _save_best(out, best)
    click.echo(f"Saved the best recipe (trial {best.number}, validation accuracy "
               f"{best.value:.2%}) to {path}; train it with: digitnet train --config "
               f"{words.shell(path)}" + ("" if data == "mnist" else f" --data {words.shell(data)}")
               + (f" --target {words.shell(target)}" if target else "")
               + ("" if engine == "auto" else f" --engine {engine}"))  # trials' engine: same bytes


def _results(study, study_name: str, ran: int, trials: int, timeout: float | None,
             top: int) -> studies.TrialRecord:
    """The study's best trial, once what the search came to is said on stderr (why none
    completed, as a TrainingError; that none was run, or the timeout stopped it; ties) and its
    ``top`` best trials are shown (on stdout). ``ran``: the trials that finished in this run."""
    best = studies.best_records(study, top)
    if not best:
        raise TrainingError(_none_completed(study_name, studies.records(study)))
    done = sum(r.state in ("COMPLETE", "PRUNED") for r in studies.records(study))
    if ran == 0 and done >= trials:  # (the same command again, say)
        _say_none_run(study_name, done, trials)
    if timeout is not None and done < trials:
        click.echo(f"--timeout {timeout:g}: no trial started after it, so the study has {done} "
                   f"of its {trials} trials; the same command goes on with the others", err=True)
    _say_ties(study, best[0])
    _best_table(best)
    return best[0]


def _save_best(out: str, best: studies.TrialRecord) -> Path:
    """``best``'s recipe written to --out, atomically: at the end of a search, and when one is
    interrupted. The file there is checked again as before the search (it may replace only a
    recipe): a search is long, and another file may have come there meanwhile."""
    replacing.check(out, "recipe", option="--out")
    return modelfile.atomic_write(out, (json.dumps(best.config, indent=2) + "\n").encode())


def _saved_at_interrupt(study, trials: int, out: str) -> str:
    """The line of an interrupted search (:func:`digitnet.tuning.interrupted_message`), once
    the best recipe so far is saved to --out (:func:`_save_best`), if a trial completed."""
    best = studies.best_records(study, 1)
    if not best:
        return interrupted_message(study, trials, f"no trial has completed yet, so no recipe is "
                                                  f"saved to {out}")
    so_far = f"the best recipe so far ({best[0].value:.2%}, trial {best[0].number})"
    try:
        saved = f"{so_far} is saved to {_save_best(out, best[0])}"
    except (DigitnetError, OSError) as e:  # (another file there now; a full disk)
        saved = f"{so_far} could not be saved: {one_line(str(e))}"
    return interrupted_message(study, trials, saved)


def _say_fixed_named(chosen: dict | None, fixed: dict[str, str], space_file: str) -> None:
    """A note for each field the --space file names that an option fixes: it is not searched
    (as a field of the default space that an option fixes is not)."""
    for field in chosen or ():
        if field in fixed:
            option = fixed[field]
            leave = (f"leave {field} out of {option.removeprefix('--config ')}"
                     if option.startswith("--config") else f"leave {option} out")
            cli.note(f"{space_file} names {field}, but it is fixed by {option}, so it is not "
                     f"searched; {leave} to search it")


def _before_trials(step):
    """What ``step()`` gives (it opens the database or the study), with Ctrl-C taken as a flag
    meanwhile (see tuning.tune); TrainingInterrupted if it came."""
    with StopFlag(True) as early:
        result = step()
    if early.requested:
        raise TrainingInterrupted("tuning interrupted before its first trial; run the same "
                                  "command again to start it")
    return result


def _announce(search: Search, study_name: str, url: str, idle: dict[str, str]) -> None:
    """On stderr: the study, what it searches (and what not, as it can never take effect),
    how many trials, how many at a time; and whether few held-out examples score them."""
    shown = studies.without_password(url)
    left_out = "".join(f" (not {field}: it {why})" for field, why in idle.items())
    click.echo(f"Study {study_name!r} in {shown} (watch it: optuna-dashboard "
               f"{words.shell(shown)}): "
               f"searching {', '.join(search.space.table)}{left_out}; "
               f"{words.counted(search.trials, 'trial')}, {search.jobs} at a time", err=True)
    _say_few_held_out(search)


def _say_none_run(study_name: str, done: int, trials: int) -> None:
    """On stderr: the study had ``done`` finished trials, at least the ``trials`` asked for,
    so none was run, and how to search on."""
    had = (f"its {words.counted(trials, 'trial')}" if done == trials else
           f"{done:,} finished trials, more than the {trials:,} --trials asks for")
    click.echo(f"Study {study_name!r} already had {had}, so none was run; give --trials more "
               f"than {done:,} to search on", err=True)


def _refuse_out_over_study(out: str, url: str, default: bool) -> None:
    """UsageError when --out names the study's SQLite file: the recipe would replace it."""
    database = studies.sqlite_file(url)
    if database is not None and train_files.same_file(out, database):
        named = "the study database (tune.db beside --out)" if default else (
            "the study database --storage names")
        raise click.UsageError(f"--out {out}: is {named}; saving there would replace it: give "
                               "--out another file name")


def _fixed_fields(preset: str, config_file: str | None,
                  options: dict) -> tuple[dict, dict[str, str]]:
    """(TrainConfig field -> value the command chose, field -> the option that fixes it).

    The fields chosen are the --config file's and the command line's over them, read as
    digitnet train reads them (a preset is the recipe they change). Those are fixed, so that
    the search leaves them alone, and so are the fields in which the preset departs from the
    default recipe, which make it that preset (--preset video: sigmoid layers, SGD with
    momentum at its learning rate), unless the --space file names them (the caller's part);
    the default preset, named or not, fixes nothing.
    """
    given, named = given_fields({k: v for k, v in options.items() if v is not None}, None,
                                 config_file)
    recipe, default = PRESETS[preset], PRESETS["default"]
    own = {field: f"--preset {preset}" for field in TrainConfig.fields()
           if getattr(recipe, field) != getattr(default, field)}
    return given, {**own, **named}


#: Trials scored on fewer held-out examples than this move in steps of more than half a point
#: of accuracy: tune says so at the start, as recipes then tie and luck picks between them.
_FEW_HELD_OUT = 200


def _say_few_held_out(search: Search) -> None:
    """On stderr, if the trials are scored on few held-out examples: how coarse their score
    is, and how to hold out more (a larger --val-fraction; a voice's recordings are its own)."""
    base, data = search.base, search.data
    held = len(splits.train_val_indices(data, base.val_fraction, base.seed, base.val_group)[1])
    if held >= _FEW_HELD_OUT:
        return
    more = ""
    if base.val_group is None and base.val_fraction < 0.3:
        more = (f"; --val-fraction 0.3 holds out "
                f"{len(splits.stratified_split(data.labels, 0.3, base.seed)[1]):,}")
    click.echo(f"The trials are scored on {held:,} held-out {data.input.noun} of {data.name}, "
               f"so a score moves in steps of {100 / held:.1f} points and recipes may tie (the "
               f"first of them counts as the best){more}", err=True)


def _say_ties(study, best: studies.TrialRecord) -> None:
    """On stderr, if several complete trials share the best score: how many, and that the
    first of them is the one saved."""
    tied = [r.number for r in studies.records(study)
            if r.state == "COMPLETE" and r.value == best.value]
    if len(tied) > 1:
        click.echo(f"{len(tied)} trials tie at the best validation accuracy, {best.value:.2%}: "
                   f"the first of them, trial {best.number}, is saved", err=True)


def _none_completed(study_name: str, found: list[studies.TrialRecord]) -> str:
    """Why a study has no complete trial, and what to do: diverged trials call for lower
    learning rates, not for more time or trials."""
    states = [r.state for r in found]
    diverged = sum(r.diverged is not None for r in found)
    nothing = f"no trial of study {study_name!r} has completed"
    lower = "try lower learning rates (a lower --lr, or a lower lr range in --space)"
    if diverged and diverged == len(found):
        every = words.counted(len(found), "trial")
        return f"{nothing}: every one's training diverged ({every}); {lower}"
    counts = (f"{states.count('PRUNED')} pruned"
              + (f", {diverged} of them diverged" if diverged else "")
              + f", {states.count('FAIL')} stopped")
    return (f"{nothing} ({counts}); give it more time (--timeout) or trials, or widen the "
            "search space" + (f"; for the diverged ones, {lower}" if diverged else ""))


def _best_table(best: list[studies.TrialRecord]) -> None:
    """The best trials, best first: score, training seconds and the parameters they drew."""
    from rich.console import Console
    from rich.table import Table

    names = list(dict.fromkeys(name for r in best for name in r.params))
    table = Table(title="The best trial" if len(best) == 1 else f"The best {len(best)} trials")
    for column in ("trial", "val accuracy", "training", *names):
        table.add_column(column, justify="right" if column != "activation" else "left")
    timed = iter(words.durations([r.seconds for r in best if r.seconds is not None]))  # one unit
    for r in best:
        cells = [_cell(r.params.get(name)) for name in names]
        table.add_row(str(r.number), f"{r.value:.2%}",
                      "-" if r.seconds is None else next(timed), *cells)
    Console(soft_wrap=False, width=max(100, 12 * (len(names) + 3))).print(table)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _as_tune_takes(param: click.Parameter) -> click.Parameter:
    """One of digitnet train's options, as tune takes it: --engine said of the trials and of a
    study continued (tune has no --resume, which train's help names), the others as they are."""
    if param.name != "engine":
        return param
    param = copy.copy(param)
    param.help = ("Compute each trial's steps with digitnet's compiled kernel or with plain "
                  "NumPy (auto: compiled when it was built); a study is continued only with the "
                  "--engine it was started with.")
    return param


# digitnet tune takes digitnet train's options of what to train on and how.
tune_command.params.extend(_as_tune_takes(p) for p in recipe_params())
