"""XML request bodies are parsed with defusedxml: no DTD, no entity, in any encoding.

Before defusedxml, the parser searched the raw bytes for `<!DOCTYPE`, which a UTF-16 body
spells with a NUL after every letter, and the standard library's parser then accepted its DTD.
expat decodes the body itself (BOM, declaration), and defusedxml refuses the DTD whatever the
encoding was."""

import pytest

from tests.orgs.conftest import error, state

pytestmark = pytest.mark.django_db

CREATE = "/eidm2/services/orgs/?organizationId=x&friendlyName=X"
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<r>&xxe;</r>'
XXE_UNUSED = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<r>x</r>'
INTERNAL = '<!DOCTYPE r [<!ENTITY a "x">]>\n<r>&a;</r>'
PARAMETER = '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>\n<r/>'
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


DOCUMENTS = pytest.mark.parametrize(
    "document", [XXE, XXE_UNUSED, INTERNAL, PARAMETER, LAUGHS],
    ids=["external-entity", "external-entity-unused", "internal-entity", "parameter-entity",
         "billion-laughs"])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "UTF-16BE", "UTF-16LE", "latin-1"])
@DOCUMENTS
def test_dtds_and_entities_are_refused_in_any_encoding(api, document, encoding):
    raw = encoded(document, encoding)
    assert encoding != "utf-16" or raw.startswith(b"\xff\xfe")
    before = state()
    assert "DTD or entities" in error(post(api, raw), 400, 1)
    assert state() == before


@pytest.mark.parametrize("bom, codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
                                        (b"\xff\xfe\x00\x00", "utf-32-le"),
                                        (b"\x00\x00\xfe\xff", "utf-32-be")])
@pytest.mark.parametrize("declared", [True, False])
@DOCUMENTS
def test_dtds_are_refused_behind_a_bom_with_or_without_a_declaration(api, document, bom,
                                                                    codec, declared):
    name = codec.rsplit("-", 1)[0]  # utf-16 / utf-32: the BOM tells the byte order
    text = f'<?xml version="1.0" encoding="{name}"?>\n{document}' if declared else document
    raw = bom + text.encode(codec)
    before = state()
    # expat reads UTF-16 (refused: a DTD) but not UTF-32 (refused: malformed)
    message = error(post(api, raw), 400, 1)
    assert ("DTD or entities" if "16" in codec else "Malformed XML") in message
    assert state() == before


@pytest.mark.parametrize("declared", ["UTF-16", "ISO-8859-1", "US-ASCII", "UTF-7", "EBCDIC-CP-US",
                                      "no-such-codec"])
@DOCUMENTS
def test_utf8_declaring_another_encoding_is_refused(api, document, declared):
    raw = f'<?xml version="1.0" encoding="{declared}"?>\n{document}'.encode()
    before = state()
    error(post(api, raw), 400, 1)
    assert state() == before


@pytest.mark.parametrize("codec", ["utf-7", "utf-16-be", "shift_jis", "gb18030", "no-such-codec"])
def test_a_declared_codec_expat_cannot_read_is_invalid_arguments_not_a_500(api, codec):
    # expat hands names it does not know to Python's codecs: a multi-byte one is refused
    # with a ValueError, an unknown name is a LookupError; both were a 500
    document = f'<?xml version="1.0" encoding="{codec}"?>\n<request><a>1</a></request>'
    raw = document.encode(codec if codec != "no-such-codec" else "utf-8")
    before = state()
    assert "Malformed XML" in error(post(api, raw), 400, 1)
    assert state() == before


@pytest.mark.parametrize("raw", [b"<r>", b"not xml", b"\xff\xfe<\x00"])
def test_malformed_xml_is_invalid_arguments(api, raw):
    before = state()
    assert "Malformed XML" in error(post(api, raw), 400, 1)
    assert state() == before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_plain_xml_body_is_accepted(api, encoding):
    assert post(api, encoded("<request><a>1</a></request>", encoding)).status_code == 200
