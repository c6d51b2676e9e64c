"""Walking a folder for the files to read (``digitnet predict FOLDER`` and training's class
folders, :func:`digitnet.folders.walk`): a symbolic link that loops, or leads to a folder read
already, is named and skipped, and every file is read once."""

from __future__ import annotations

import os

from PIL import Image

from digitnet.folders import NotWalked, walk


def test_links_that_loop_are_skipped_and_every_image_read_once(mnist, tmp_path):
    root = tmp_path / "drawings"
    (root / "d").mkdir(parents=True)
    for i, name in enumerate(("a.png", "c.png", "d/e.png")):
        Image.fromarray(mnist.x[i]).save(root / name)
    os.symlink("b_loop", root / "b_loop")  # a link to itself: a file that cannot be read
    os.symlink(".", root / "again")  # the folder, from inside it
    os.symlink("..", root / "d" / "up")  # a folder above
    os.symlink("d", root / "z")  # another way to a folder read already
    found = list(walk(root))
    paths = sorted(str(p.relative_to(root)) for p in found if not isinstance(p, NotWalked))
    said = sorted(str(e.error) for e in found if isinstance(e, NotWalked))
    assert paths == ["a.png", "b_loop", "c.png", "d/e.png"], paths
    assert all(e.again for e in found if isinstance(e, NotWalked))
    assert said == [f"{root / name}: links to a folder read already; skipped, not read again"
                    for name in ("again", "d/up", "z")], said
