"""Walking a folder for the images to read (``digitnet predict FOLDER``): a symbolic link that
loops, or leads to a folder read already, is named and skipped, and every image is read
once."""

from __future__ import annotations

import os

from PIL import Image

from digitnet.errors import ImageError
from digitnet.images import image_files


def test_links_that_loop_are_skipped_and_every_image_read_once(mnist, tmp_path):
    root = tmp_path / "drawings"
    (root / "d").mkdir(parents=True)
    for i, name in enumerate(("a.png", "c.png", "d/e.png")):
        Image.fromarray(mnist.x[i]).save(root / name)
    os.symlink("b_loop", root / "b_loop")  # a link to itself
    os.symlink(".", root / "again")  # the folder, from inside it
    os.symlink("..", root / "d" / "up")  # a folder above
    os.symlink("d", root / "z")  # another way to a folder read already
    found = list(image_files(root))
    paths = sorted(str(p.relative_to(root)) for p in found if not isinstance(p, ImageError))
    said = sorted(str(e) for e in found if isinstance(e, ImageError))
    assert paths == ["a.png", "c.png", "d/e.png"], paths
    assert len(said) == 4, said
    assert said[0].startswith(f"{root / 'again'}: links to a folder read already; skipped")
    assert said[1].startswith(f"{root / 'b_loop'}: cannot be read") and "skipped" in said[1]
    assert said[2].startswith(f"{root / 'd' / 'up'}: links to a folder read already; skipped")
    assert said[3].startswith(f"{root / 'z'}: links to a folder read already; skipped")
