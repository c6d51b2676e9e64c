"""``python -m digitnet`` runs the ``digitnet`` command."""

from .cli import main

main()
