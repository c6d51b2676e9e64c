"""A student on a phone, on a class's server (``digitnet serve --host 0.0.0.0``), never saw the
terminal the token was printed in: what the page says of the token (the status line, the token
field's description, Train refused without the token and with a wrong one) tells them to ask
the teacher for the one on the teacher's screen, naming what needs it as the server's refusals
do ("Starting a run on this server needs ..."). (Before, it said "the token digitnet serve
printed", and "printed where digitnet serve was started".)"""

from __future__ import annotations

from test_browser import PHONE
from test_server_forgets_refuses_or_is_gone import opened, server

ASK = "ask the teacher for the one shown on their screen"
THEN = "type it in the “Teacher’s token” field, then press Train again."
STATUS = f"Training on this server needs the teacher’s token: {ASK}."
HINT = f"Starting or stopping training on this server needs the teacher’s token: {ASK}"
REFUSED = {"": f"Starting a run on this server needs the teacher’s token: {ASK}, {THEN}",
           "wrong2token": "Starting a run on this server needs the teacher’s token, and the one "
                          f"typed is wrong: it changes each time the server starts, so {ASK} "
                          f"now, {THEN}"}


def test_a_students_page_says_to_ask_the_teacher_for_the_token(browser, e2e_model, e2e_data_dir,
                                                                 tmp_path):
    with server(e2e_model, e2e_data_dir, tmp_path / "stderr.txt", "0.0.0.0") as (_, url, _):
        page, problems = opened(browser, url, r"status of 403", PHONE)
        page.wait_for_selector("#train-token")
        assert page.inner_text("#train-status") == STATUS
        assert page.text_content("#train-token-hint") == HINT
        for typed, words in REFUSED.items():
            page.fill("#train-token", typed)
            with page.expect_response(lambda r: r.url == f"{url}/api/train"
                                      and r.request.method == "POST") as refused:
                page.click("#train")
            assert refused.value.status == 403
            page.wait_for_function("(w) => document.querySelector('#train-refusal')"
                                   ".textContent === w", arg=words, timeout=10_000)
        page.context.close()
        assert problems == []
