"""XML request bodies are parsed with defusedxml: no DTD, no entity, in any encoding."""

import pytest

from tests.orgs.conftest import error, state

pytestmark = pytest.mark.django_db

CREATE = "/eidm2/services/orgs/?organizationId=x&friendlyName=X"
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<r>&xxe;</r>'
XXE_UNUSED = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<r>x</r>'
INTERNAL = '<!DOCTYPE r [<!ENTITY a "x">]>\n<r>&a;</r>'
LAUGHS = (  # lol9 expands to 10**9 "lol"s
    '<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    + "]>\n<lolz>&lol9;</lolz>"
)


def encoded(document: str, encoding: str) -> bytes:
    """The document with its XML declaration; UTF-16 (Python's codec) starts with a BOM."""
    return f'<?xml version="1.0" encoding="{encoding}"?>\n{document}'.encode(encoding)


def post(api, raw: bytes):
    return api.generic("POST", CREATE, raw, content_type="application/xml")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("document", [XXE, XXE_UNUSED, INTERNAL, LAUGHS],
                         ids=["external-entity", "external-entity-unused", "internal-entity",
                              "billion-laughs"])
def test_dtds_and_entities_are_refused_in_any_encoding(api, document, encoding):
    raw = encoded(document, encoding)
    assert encoding != "utf-16" or raw.startswith(b"\xff\xfe")
    before = state()
    error(post(api, raw), 400, 1)
    assert state() == before


@pytest.mark.parametrize("raw", [b"<r>", b"not xml", b"\xff\xfe<\x00"])
def test_malformed_xml_is_invalid_arguments(api, raw):
    before = state()
    assert "Malformed XML" in error(post(api, raw), 400, 1)
    assert state() == before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_plain_xml_body_is_accepted(api, encoding):
    assert post(api, encoded("<request><a>1</a></request>", encoding)).status_code == 200
