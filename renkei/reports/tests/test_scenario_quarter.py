"""The fiscal-2023-Q1 scenario: the quarterly report reproduces the seed's figures."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from typing import Any

import pytest
from django.core.management import call_command

from renkei.reports.figures import quarterly_figures, quarterly_report
from renkei.reports.periods import Quarter
from renkei.reports.render_html import quarterly_html_document
from renkei.reports.render_pdf import quarterly_pdf

pytestmark = [pytest.mark.scenario, pytest.mark.django_db]
Q = "2023-04"


def _without_narrative(report: dict[str, Any]) -> dict[str, Any]:
    """The spec's keys: without renkei's additions (the narrative, whether it is final)."""
    added = ("narrative", "provisional", "as_of")
    return {key: value for key, value in report.items() if key not in added}


def test_the_quarterly_figures_are_the_expected_figures(scenario: None, expected: dict) -> None:
    figures = json.loads(json.dumps(quarterly_figures(Quarter.parse(Q))))

    for key in expected:
        if key != "narrative":
            assert figures[key] == expected[key], key
    assert figures == _without_narrative(expected)


def test_the_command_prints_the_expected_json_in_the_spec_key_order(
    scenario: None, expected: dict
) -> None:
    out = io.StringIO()

    call_command("report", "quarterly", Q, "--format", "json", stdout=out)

    printed = json.loads(out.getvalue())
    assert list(printed) == [*expected.keys(), "narrative", "provisional", "as_of"]
    assert printed["provisional"] is False
    assert list(printed["totals"]["reports"]) == list(expected["totals"]["reports"])
    assert list(printed["categories"][0]) == list(expected["categories"][0])
    assert list(printed["coordination_by_category"][0]) == list(
        expected["coordination_by_category"][0]
    )
    assert _without_narrative(printed) == _without_narrative(expected)
    assert set(printed["narrative"]) == {"ja", "en"}


def test_the_japanese_narrative_says_the_domestic_brand_count_increased_17_percent(
    scenario: None,
) -> None:
    ja = quarterly_report(Quarter.parse(Q))["narrative"]["ja"]

    domestic = next(p for p in ja if "国内のブランドを装った" in p)
    assert "前四半期の 3,170 件から 17%増加しました" in domestic
    assert "減少" not in domestic.split("。")[0]


def test_the_english_narrative_gives_the_seed_comparisons(scenario: None) -> None:
    en = " ".join(quarterly_report(Quarter.parse(Q))["narrative"]["en"])

    assert "reports increased by 130% and coordinations increased by 6%" in en
    assert "reports increased by 61% and coordinations decreased by 42%" in en
    assert "78% of incidents were phishing sites and 13% were scans" in en
    assert "imitating domestic brands was 3,700. It increased by 17% from 3,170" in en


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_html_document_has_every_numbered_table_and_figure(scenario: None, lang: str) -> None:
    quarter = Quarter.parse(Q)
    html = quarterly_html_document(quarter, quarterly_report(quarter), lang)

    table, figure = ("表 {}:", "図 {}:") if lang == "ja" else ("Table {}: ", "Figure {}: ")
    for number in range(1, 5):
        assert table.format(number) in html
    for number in range(1, 10):
        assert figure.format(number) in html
    assert html.count('src="data:image/svg+xml;base64,') == 9
    assert "26,908" in html and "16,836" in html


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_pdf_embeds_a_japanese_font_and_holds_the_figures(
    scenario: None, lang: str, tmp_path: Any
) -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils (pdftotext, pdffonts) is not installed")
    pdf = quarterly_pdf(Quarter.parse(Q), lang=lang)

    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    if lang == "ja":
        assert "CJK" in fonts.stdout
        assert "インシデント報告対応レポート" in text.stdout
        assert "17%増加" in text.stdout
    else:
        assert "Incident Response Report" in text.stdout
    assert "26,908" in text.stdout and "イオン銀行" in text.stdout
