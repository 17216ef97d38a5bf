"""The server-drawn SVG charts: accessible, escaped, CSP-safe and to scale."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.charts import BAR_COLOUR, bar_chart, line_chart, nice_ticks, whole_number

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def bar_widths(root: ET.Element) -> list[float]:
    return [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]


def test_bar_chart_is_an_image_named_by_its_title_and_desc():
    root = parse(bar_chart(chart_id="chart-district", title="Amount awarded by district",
                           labels=["Blaby", "Melton"],
                           values=[Decimal("1500.00"), Decimal("500.50")]))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-district-title chart-district-desc"
    assert root.find(f"{SVG}title").text == "Amount awarded by district"
    assert root.find(f"{SVG}title").get("id") == "chart-district-title"
    desc = root.find(f"{SVG}desc").text
    assert "Blaby: £1,500.00" in desc and "Melton: £500.50" in desc


def test_bars_are_to_scale_and_labelled_with_their_values():
    root = parse(bar_chart(chart_id="c", title="t", labels=["A", "B", "C"],
                           values=[Decimal("100"), Decimal("50"), Decimal("0")]))
    widths = bar_widths(root)
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 0
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert texts == ["A", "£100.00", "B", "£50.00", "C", "£0.00"]
    assert {rect.get("fill") for rect in root.iter(f"{SVG}rect")} == {BAR_COLOUR}


def test_text_is_escaped_so_labels_cannot_inject_markup():
    markup = bar_chart(chart_id="c", title="<script>alert(1)</script>",
                       labels=['<img src=x onerror="alert(1)">'], values=[1])
    assert "<script>" not in markup and "<img" not in markup
    root = parse(markup)
    assert root.find(f"{SVG}title").text == "<script>alert(1)</script>"


def test_no_style_attributes_or_scripts_for_the_content_security_policy():
    for markup in (
        bar_chart(chart_id="a", title="t", labels=["x", "y"], values=[1, 2]),
        line_chart(chart_id="b", title="t", labels=["2020/21", "2021/22"], values=[1, 2]),
    ):
        assert "style=" not in markup
        assert "<script" not in markup
        assert not re.search(r"\son[a-z]+=", markup)


def test_long_labels_are_shortened_on_the_chart_but_kept_whole_in_the_bar_title():
    label = "8.4 Carers and people with care needs supported by their community"
    root = parse(bar_chart(chart_id="c", title="t", labels=[label], values=[10]))
    shown = next(root.iter(f"{SVG}text")).text
    assert shown.endswith("…") and len(shown) < len(label)
    assert root.find(f"{SVG}g/{SVG}title").text.startswith(label)


def test_an_empty_chart_says_there_is_nothing_to_show():
    for draw in (bar_chart, line_chart):
        markup = draw(chart_id="c", title="t", labels=[], values=[])
        assert "Nothing to show yet" in markup
        assert "nothing to show yet" in parse(markup).find(f"{SVG}desc").text


def test_line_chart_has_a_point_per_period_rising_with_the_value():
    root = parse(line_chart(chart_id="c", title="Awards per period",
                            labels=["Q1", "Q2", "Q3"], values=[Decimal("10"), Decimal("30"),
                                                                Decimal("20")]))
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 3
    ys = [float(c.get("cy")) for c in circles]
    # SVG's y grows downwards: the highest value has the smallest y.
    assert ys[1] < ys[2] < ys[0]
    xs = [float(c.get("cx")) for c in circles]
    assert xs == sorted(xs)
    assert [g.text for g in root.iter(f"{SVG}title")][1:] == ["Q1: £10.00", "Q2: £30.00",
                                                              "Q3: £20.00"]


def test_line_chart_axis_shows_round_figures_in_the_values_format():
    root = parse(line_chart(chart_id="c", title="t", labels=["a", "b"], values=[3, 17],
                            value_format=whole_number))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:5] == ["0", "5", "10", "15", "20"]


def test_mismatched_or_negative_values_are_refused():
    with pytest.raises(ValueError, match="2 labels but 1 values"):
        bar_chart(chart_id="c", title="t", labels=["a", "b"], values=[1])
    with pytest.raises(ValueError, match="zero or more"):
        line_chart(chart_id="c", title="t", labels=["a"], values=[-1])


@given(st.floats(min_value=0.01, max_value=1e12))
def test_ticks_reach_the_maximum_in_a_few_round_steps(maximum):
    ticks = nice_ticks(maximum)
    assert ticks[0] == 0 and ticks[-1] >= maximum
    assert 2 <= len(ticks) <= 7
    step = ticks[1]
    mantissa = step / 10 ** len(str(int(step))) * 10 if step >= 1 else None
    assert mantissa is None or round(mantissa, 6) in (1, 2, 5, 10)


@given(st.lists(st.tuples(st.text(max_size=60), st.decimals(min_value=0, max_value=10**9,
                                                             places=2)), max_size=30))
def test_any_labels_and_amounts_make_well_formed_svg(rows):
    labels = [label for label, _ in rows]
    values = [value for _, value in rows]
    for draw in (bar_chart, line_chart):
        root = parse(draw(chart_id="c", title="t", labels=labels, values=values))
        assert root.tag == f"{SVG}svg"
