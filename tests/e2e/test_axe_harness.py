"""The accessibility check itself: it must catch a page that breaks the rules."""

from tests.e2e.axe import axe_violations


def test_axe_reports_an_image_without_alternative_text_and_an_unlabelled_input(browser):
    page = browser.new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body><main>'
        '<h1>Broken page</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<input type="text"></main></body></html>'
    )
    rules = {line.split(" ", 1)[0] for line in axe_violations(page)}
    page.close()
    assert {"image-alt", "label"} <= rules
