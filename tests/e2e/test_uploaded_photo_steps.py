"""A photo of another shape than the pad, uploaded in Debian's Chromium: the page draws it
letterboxed between black bars. The server reads that pad's grid as the photo (the bars are the
canvas, not the paper), never as a blank drawing (it was, for most photos, when the step started
from the grid); and the backpropagation step, which starts from the file as the server read it
(tests/e2e/test_step_from_the_file_read.py), is taken."""

from __future__ import annotations

import io

import numpy as np
from page_uploads import photographed
from test_browser import shown_digit


def test_a_letterboxed_photo_takes_a_step(open_page, mnist, server_url):
    rng = np.random.default_rng(3)
    for k, index in enumerate(range(20000, 20004)):
        page = open_page()  # (a new page: its first answer is this photo's)
        photo = photographed(mnist.x[index], rng, wide=k % 2 == 0)  # 64x48, then 48x64
        data = io.BytesIO()
        photo.save(data, format="PNG")
        page.set_input_files("#upload", files=[{"name": f"photo{k}.png",
                                                "mimeType": "image/png",
                                                "buffer": data.getvalue()}])
        read = shown_digit(page)
        grid = page.evaluate("state.grid")
        bars = grid[0] + grid[-1] if k % 2 == 0 else [v for row in grid for v in (row[0], row[-1])]
        assert len(grid) == 56 and not any(bars)  # the bars the page drew
        answer = page.request.post(server_url + "/api/predict", data={"pixels": grid})
        assert answer.ok, answer.text()
        assert str(answer.json()["digit"]) == read  # the grid reads as the uploaded file does
        page.click("text=Backpropagate and take one step")
        page.wait_for_function("document.querySelector('#bp-result').dataset.costAfter")
        assert "blank" not in page.inner_text("#bp-result")
