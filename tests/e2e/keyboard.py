"""Moving through a page with the keyboard alone, checking every stop shows its focus."""

# A checkbox or radio button is drawn by its label (GOV.UK Frontend hides the
# input itself), so its focus ring is on the label's ::before box.
FOCUS = """() => {
    const el = document.activeElement;
    const drawn = ['checkbox', 'radio'].includes(el.type)
        ? document.querySelector(`label[for="${el.id}"]`) : null;
    const shown = drawn ? getComputedStyle(drawn, '::before') : getComputedStyle(el);
    return {
        tag: el.tagName, id: el.id, name: el.getAttribute('name'), value: el.value,
        type: el.type || '', checked: !!el.checked,
        text: (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 80),
        visible: (shown.outlineStyle !== 'none' && shown.outlineWidth !== '0px')
            || shown.boxShadow !== 'none'
            || getComputedStyle(el).backgroundColor === 'rgb(255, 221, 0)',
    };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUS)


def tab_to(page, predicate, limit=80) -> dict:
    """Press Tab until the focused element matches; every stop must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        assert element["visible"], f"focus not visible on {element}"
        if predicate(element):
            return element
    raise AssertionError("Tab never reached the element: a keyboard trap or a missing control")
