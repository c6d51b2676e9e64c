"""``digitnet serve``: the drawing page and its API for a model, for one person or a class."""

from __future__ import annotations

import contextlib
import sys

import click

from ..errors import ModelFileError
from .group import cli, terminated_as_interrupted
from .labelled import as_model_reads
from .recent import last_model


@cli.command("serve")
@click.argument("models", metavar="[MODEL]...", nargs=-1,
                type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets phones and other machines in (it prints "
                   "the address to type, and a QR code of it).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
@click.option("--data", metavar="NAME|DIR|TABLE",
              help="What training runs started from the page learn from (a dataset name, a "
                   "folder of IDX files, of recordings or of class folders, or a table), and "
                   "where the held-out examples the page pokes the network with come from.  "
                   "[default: the data MODEL's file records it was trained on, if it is still "
                   "there; else mnist for a model of pictures, and none for others]")
@click.option("--no-train", is_flag=True,
              help="Turn training from the page off. (Without it, training is open to anyone "
                   "on 127.0.0.1, and on any other --host to whoever has the token printed at "
                   "start.)")
@click.pass_context
def serve_command(ctx, models, host, port, open_browser, data, no_train):
    """Serve the drawing page and its API for MODEL (default: the last model trained), and
    for each further MODEL given: a model of spoken digits beside one of handwritten digits,
    say. The page switches between them (the second is at /?model=2, its API at
    /models/2/api/..., and so on; each further model learns from and is poked with the data
    its file records, --data is the first's, and must be data it reads).

    Draw a digit and watch the network read it, layer by layer; click a neuron to see what it
    looks for; switch neurons off, rewrite them, step through backpropagation; train a new
    network from the page, or teach a model of spoken digits your voice. The API is documented
    at /docs.

    \b
    For a class in one room:  digitnet serve MODEL --host 0.0.0.0
    prints the address students type on their phones (and a QR code of it); training from the
    page then needs the token it prints, so that students cannot restart or stop each other's
    runs (or --no-train turns it off).
    """
    model, *more = models or (None,)
    if model is None:
        model = last_model()
        if model is None:
            raise ModelFileError("no model to serve: train one first with `digitnet train` "
                                 "(it saves digitnet-model.safetensors), or name a model file: "
                                 "digitnet serve MODEL")
    if sys.stderr.isatty():  # (loading takes seconds: say at once what is under way)
        click.echo(f"Loading {', '.join(map(str, (model, *more)))} ...", err=True)
    from .. import heldout, inputs, kinds, modelfile
    from ..web import create_app, serve
    from ..web.classroom import TrainingAccess

    access = TrainingAccess.choose(host, train=not no_train)
    # Every model is read by the one loader of model files (.safetensors and .onnx), and its
    # data found in what the network records: the first's here, the others' by create_app.
    net = modelfile.load(model)
    own = data is None
    if own:
        data = heldout.own_data(net)
    if data is not None:  # data of another kind, refused before any of it is read
        kinds.check(data, inputs.of(net), model)
    app = create_app(net, source=str(model), data=data, access=access, more=more)
    apps = (app, *app.state.mounted)
    # Each model's held-out examples, loaded now rather than on the first request.
    if sys.stderr.isatty():  # (thousands of recordings take seconds: said, and a bar shown)
        click.echo(f"Reading the held-out examples the page pokes "
                   f"{'the models' if more else 'the network'} with ...", err=True)
    with _reading_said():  # (without a terminal, a line as recordings begin to be read)
        held_outs = [each.state.held_out.get() for each in apps]
        if data is not None:  # (None: a model of recordings or a table whose data is unknown)
            _check_data(net, data, held_outs[0][0], model)

    def ready(url: str) -> None:
        from ..web.classroom import is_wildcard, page_url

        if is_wildcard(host):  # (0.0.0.0 is no address to open: the one the others are shown at)
            bound = int(url.rsplit(":", 1)[1])
            url = (page_url(host, bound) or f"http://localhost:{bound}/").rstrip("/")
        click.echo(f"Serving {'-'.join(map(str, net.sizes))} from {model} at {url}  "
                   "(API docs at /docs; Ctrl-C to stop)")
        for line in _start_lines(app, apps, host, int(url.rsplit(":", 1)[1]), url,
                                 _about_models(apps, held_outs, own), access):
            click.echo(line, nl=not line.endswith("\n"))
        if open_browser:
            import threading
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    debug = ctx.find_root().params.get("debug", False)  # (every request logged, bugs in full)
    with terminated_as_interrupted():  # (SIGTERM stops it as Ctrl-C does: saying what is lost)
        lost = serve(app, host, port, on_ready=ready, debug=debug)
    _say_lost(lost, several=len(apps) > 1)


def _reading_said():
    """While serve reads the held-out examples, before it listens: when stderr is no terminal
    (a log, a service's journal), which shows no bar (:func:`~digitnet.cli.progress.
    reading_bar`), one plain line on stderr as each set of recordings begins to be read, saying
    what and that the page comes after: thousands take a minute, the log otherwise silent."""
    from ..recordings import progress_shown_by

    if sys.stderr.isatty():
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def said(what: str, total: int):
        click.echo(f"Reading {total:,} recordings ({what}) for the examples the page pokes the "
                   "network with; the page is served once they are read", err=True)
        yield lambda: None

    return progress_shown_by(said)


def _start_lines(app, apps, host: str, port: int, url: str, about: list[str], access
                 ) -> list[str]:
    """What serve prints after its first line, once it listens on ``host`` and ``port``
    (``url`` as the first line shows it): the further models' addresses, what poking scores
    them on (``about``), who may train; for a class (any --host but a loopback one), that
    phones get no microphone over plain http, and last, the address students open and its
    QR code (which ends in a newline of its own), away from the token above it: the teacher
    projecting the terminal can keep the token out of sight. On 0.0.0.0 without a network
    other machines reach, it says so instead of giving phones an address of their own."""
    from .. import inputs
    from ..web.classroom import (
        TOKEN_HEADER,
        is_loopback,
        is_wildcard,
        page_url,
        qr_code,
    )

    local = url + "/"
    if not is_loopback(host):  # (on 0.0.0.0, this machine's address on the room's network)
        local = f"http://localhost:{port}/" if is_wildcard(host) else None
        address = page_url(host, port)
    else:
        address = local
    shown = address or local  # (no address for phones: the page on this machine)
    lines = [f"and {'-'.join(map(str, listed['sizes']))} from {listed['source']} at "
             f"{shown}?model={listed['name']}  (its API at {shown.rstrip('/')}{listed['api']})"
             for listed in app.state.models[1:]]
    lines += about
    heard = [number for number, each in enumerate(apps, start=1)
             if inputs.of(each.state.served.current[0]).kind == "audio"]
    if heard and not is_loopback(host):
        here = f"; on this machine it works, at {local}?model={heard[0]}" if local else ""
        lines.append("Phones get no microphone from this server: browsers give it only to "
                     "https pages and to localhost, and this server speaks plain http; students "
                     f"can upload recordings instead{here}")
    if access.mode == "token":
        lines.append(f"Training from the page needs this token: {access.token}  (the page "
                     f"asks for it; the API takes it as the {TOKEN_HEADER} header)")
        lines.append("The token is the teacher's: keep it off the screen students see (only "
                     "the address below is theirs)")
    elif access.mode == "off":
        lines.append("Training from the page is turned off (--no-train).")
    if is_loopback(host):
        return lines
    if address is None:
        return lines + [(
            "Phones cannot be told where this page is: this machine has no address found on a "
            "network other machines can reach. Connect it to the room's network or Wi-Fi, then "
            "restart digitnet serve to print that address and its QR code (or give --host the "
            f"address, if it has one); until then, open {local} on this machine")]
    return lines + [f"On phones and other machines of this network, open {address}  or scan:",
                    qr_code(address)]


def _say_lost(lost: list[dict], several: bool) -> None:
    """Say on stderr, once the server has stopped, what of the models in ``lost`` (as
    :func:`~digitnet.web.serve` returns them) is gone now: a training run from the page that
    the stop cut short, and a network made on the page that was not downloaded once made."""
    for listed in lost:
        which = f"Model {listed['name']}'s" if several else "The"
        save = f"\"Save the edited network…\" on the page, or POST {listed['api']}/export"
        run = listed["stopped"]
        if run is not None:
            done = run["finished"] or "none"
            where = (f"in epoch {run['finished'] + 1} of {run['epochs']} ({done} finished)"
                     if run["begun"] else "still loading its data")
            click.echo(f"{which} training run from the page was {where} and is stopped; nothing "
                       f"of it is kept (a run's network can be saved only once it has finished: "
                       f"{save})", err=True)
        if listed["unsaved"]:
            click.echo(f"{which} network {listed['source']} was not saved ({save}, keeps it); it "
                       "is lost now", err=True)


def _about_models(apps, held_outs, own: bool) -> list[str]:
    """What serve says at start of each served model (``apps``, the first's and the mounted
    ones): the held-out examples poking it is scored on, or why it has none (for the first,
    whose data was not named, ``own``: that --data names some); and for a model of a table,
    that the page, which draws digits and hears recordings, cannot ask it anything."""
    from .. import heldout, inputs, words

    lines = []
    for number, (each, (held, reason)) in enumerate(zip(apps, held_outs), start=1):
        net, name = each.state.served.current[0], each.state.served.source
        reads = inputs.of(net)
        which = "the network" if len(apps) == 1 else f"model {number}"
        if held:
            lines.append(f"Poking {which} scores it on {held.description}")
        else:
            examples = "digits" if reads.kind == "images" else reads.noun
            reason, split_all, _ = reason.partition(heldout.SCORE_ALL)  # (not serve's to
            hint = "; --data names some" if number == 1 and own else ""  # give: no --split)
            if split_all and number == 1:
                where = ("a folder that also holds the t10k files" if "t10k" in reason else
                         "data with a test part")
                hint = (f"; the page reads {examples} without them, and poking needs some: "
                        f"point --data at {where}")
            lines.append(f"No held-out {examples} to poke {which} with ({reason}{hint})")
        if reads.kind == "table":
            lines.append(f"{name} reads {reads.describe()}, and the page draws digits and hears "
                         f"recordings: it cannot ask this model anything (`digitnet predict "
                         f"{words.shell(name)} TABLE.csv` can)")
    return lines


def _check_data(net, data: str, held, model: str) -> None:
    """Refuse, before the server listens, ``data`` that is not there or that ``model`` cannot
    read (of another kind, with other classes or columns), as ``digitnet evaluate`` refuses
    it: checked are its held-out examples ``held``, or when it has none, its training part
    (what the page's training runs learn from)."""
    from .. import datasets, inputs

    found = (held.data if held is not None else
             datasets.load(str(data), split="train", audio=inputs.audio_of(net),
                           model_classes=inputs.classes_of(net), pictures=inputs.of(net)))
    as_model_reads(net, found, model)
