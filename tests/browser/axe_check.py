"""axe-core on one page at desktop and phone width: the serious and critical violations, by width."""

from .conftest import browser_login
from .test_pages_phone_a11y import AXE

SERIOUS = ("async () => (await axe.run(document)).violations"
           ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
           ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")


def axe_problems(browser, base, path, prepare=None, widths=(1280, 390)):
    """{width: [violation: targets]} for `path` after prepare(page) (opening what the test wants checked)."""
    problems = {}
    for width in widths:
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)  # axe is inline
        try:
            page = context.new_page()
            browser_login(page, base)
            page.goto(f"{base}{path}")
            if prepare:
                prepare(page)
            page.add_script_tag(path=str(AXE))
            found = page.evaluate(SERIOUS)
            if found:
                problems[width] = found
        finally:
            context.close()
    return problems
