"""A photo uploaded on the page is read as its file (/api/predict with ``file``); the page's pad
shows it letterboxed between black bars, and that grid, sent as a drawing (as the page once sent
it for backpropagation, which now starts from the file's input_id), must read the same digit and
never be called blank (it was, for most photos: the bars were taken for the paper)."""

from __future__ import annotations

import io

import numpy as np
from page_uploads import on_the_page, photographed


def png_file(picture) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_letterboxed_photo_reads_as_its_file_and_backpropagates(client, held_out):
    images, labels = held_out
    rng = np.random.default_rng(11)
    agree = 0
    for k, (image, label) in enumerate(zip(images[:30], labels[:30])):
        photo = photographed(image, rng, wide=bool(k % 2))
        grid = on_the_page(photo).tolist()
        as_file = client.post("/api/predict",
                              files={"file": ("photo.png", png_file(photo), "image/png")})
        as_grid = client.post("/api/predict", json={"pixels": grid})
        assert as_file.status_code == 200 and as_grid.status_code == 200, as_grid.text
        agree += as_grid.json()["digit"] == as_file.json()["digit"]
        step = client.post("/api/backprop", json={"pixels": grid, "label": int(label)})
        assert step.status_code == 200, step.text
    assert agree >= 28
