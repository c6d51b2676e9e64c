"""A student on a class's server (``digitnet serve --host 0.0.0.0``) presses Train without the
teacher's token, or with a wrong one. Panel 5 said it three times: the token field's
description, the refusal in red (which says what to do), and the status line below it
("Training on this server needs the teacher's token: ..."). Now the refusal says it, and the
field's description (its aria-describedby, not shown): the status line no longer repeats it.
axe-core finds nothing wrong, on a phone and on a desktop."""

from __future__ import annotations

from accessibility import axe_violations
from test_browser import DESKTOP, PHONE
from test_server_forgets_refuses_or_is_gone import opened, server

# Where panel 5 says a teacher's token is needed: the elements whose own text says so.
SAYING_IT = """() => [...document.querySelectorAll('section.training *')].filter((e) =>
    [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.includes('teacher’s token')))
    .map((e) => e.id)"""


def test_a_refused_train_says_the_token_is_needed_once(browser, e2e_model, e2e_data_dir,
                                                         tmp_path, axe_source):
    with server(e2e_model, e2e_data_dir, tmp_path / "stderr.txt", "0.0.0.0") as (_, url, _):
        page, problems = opened(browser, url, r"status of 403", PHONE)
        page.wait_for_selector("#train-token")
        # Before Train is pressed, the status line says it (the description is not shown).
        assert page.evaluate(SAYING_IT) == ["train-token-hint", "train-status"]
        for typed in ("", "wrong2token"):
            page.fill("#train-token", typed)
            with page.expect_response(lambda r: r.url == f"{url}/api/train"
                                      and r.request.method == "POST") as refused:
                page.click("#train")
            assert refused.value.status == 403
            page.wait_for_function("document.querySelector('#train-refusal').textContent"
                                   ".includes(' then press Train again.')", timeout=10_000)
            assert page.evaluate(SAYING_IT) == ["train-token-hint", "train-refusal"]
            assert page.get_attribute("#train-token", "aria-describedby").split()[0] == (
                "train-token-hint")
            assert page.inner_text("#train-status") == "No training run yet."
            assert page.is_hidden("#train-token-hint") or page.evaluate(
                "document.querySelector('#train-token-hint').offsetWidth") <= 1
            assert axe_violations(page, axe_source) == []
            page.set_viewport_size(DESKTOP)
            assert axe_violations(page, axe_source) == []
            page.set_viewport_size(PHONE)
        page.context.close()
        assert problems == []
