"""axe-core's verdict on a page, for the browser tests."""

from __future__ import annotations


def axe_violations(page, axe_source: str, within: str | None = None) -> list[str]:
    """Every accessibility rule axe-core finds broken on the page as it is now (or in the
    element that the CSS selector ``within`` picks), one line each."""
    page.evaluate(axe_source)
    result = page.evaluate("""(within) => axe.run(within ? document.querySelector(within) : document,
                                                 {resultTypes: ['violations']})""", within)
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                        for n in v["nodes"][:3])
            for v in result["violations"]]
