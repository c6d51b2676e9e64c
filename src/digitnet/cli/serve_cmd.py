"""``digitnet serve``: the drawing page and its API for a model."""

from __future__ import annotations

import click

from ..errors import ModelFileError
from .group import cli
from .recent import last_model


@cli.command("serve")
@click.argument("model", type=click.Path(dir_okay=False), required=False)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets other machines in (no authentication).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
@click.option("--data", default="mnist", show_default=True, metavar="NAME|DIR|TABLE",
              help="What training runs started from the page learn from: a dataset name, a "
                   "folder (of IDX files or of class folders of pictures), or a table.")
def serve_command(model, host, port, open_browser, data):
    """Serve the drawing page and its API for MODEL (default: the last model trained).

    Draw a digit and watch the network read it, layer by layer; click a neuron to see what it
    looks for; train a new network from the page. The API is documented at /docs.
    """
    if model is None:
        model = last_model()
        if model is None:
            raise ModelFileError("no model to serve: train one first with `digitnet train` "
                                 "(it saves digitnet-model.safetensors), or name a model file: "
                                 "digitnet serve MODEL")
    from ..web import create_app, serve

    app = create_app(model, data=data)
    net = app.state.served.current[0]

    def ready(url: str) -> None:
        click.echo(f"Serving {'-'.join(map(str, net.sizes))} from {model} at {url}  "
                   "(API docs at /docs; Ctrl-C to stop)")
        if open_browser:
            import threading
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    serve(app, host, port, on_ready=ready)
