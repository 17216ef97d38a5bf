"""Accessibility checks with axe-core, against WCAG 2.2 level AA."""

from axe_playwright_python.sync_playwright import Axe

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
_axe = Axe()


def axe_violations(page) -> list[str]:
    """One line per violation: the rule, its impact and the elements that break it."""
    # Only the violations come back in full: the passes of a long page are
    # large to send from the browser, and nobody reads them.
    results = _axe.run(page, options={
        "runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"],
    })
    lines = []
    for violation in results.response["violations"]:
        targets = ", ".join(
            " ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
            for node in violation["nodes"][:5]
        )
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return lines


class AccessibilityLog:
    """Checks each page once per URL path and keeps every violation found."""

    def __init__(self):
        self.checked: set[str] = set()
        self.problems: list[str] = []

    def check(self, page) -> None:
        page.wait_for_load_state()
        path = page.url.split("?")[0]
        key = f"{path} {page.title()}"
        if key in self.checked:
            return
        self.checked.add(key)
        self.problems += [f"{page.url}: {line}" for line in axe_violations(page)]
