"""A report's URL defanged as `(dot)`, `{dot}`, `h**ps` or `[/]` is accepted.

Observables in free text undo these, but the URL field of an imported or
API report went through `normalize.refang`, which did not: partner CSIRTs
send `hxxps://evil(dot)example(dot)com/`, and such a report was refused as
"not a valid host name". Both now undo the same defanging.
"""

from __future__ import annotations

import pytest

from renkei.lib.normalize import incident_key, normalize_url

DEFANGED = [
    "hxxps://evil(dot)example(dot)com/login",
    "hxxps://evil{dot}example{dot}com/login",
    "h**ps://evil.example.com/login",
    "hxxps://evil[.]example[.]com[/]login",
]


@pytest.mark.parametrize("url", DEFANGED)
def test_the_url_normalizes_as_written_plainly(url: str) -> None:
    assert normalize_url(url).url == "https://evil.example.com/login"
    assert incident_key("phishing", url=url) == "evil.example.com/login"
