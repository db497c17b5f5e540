"""The XML documents of the CustomerID surface, and DRF's renderer, parser and negotiation.

`<idlist><Id>URL</Id>…</idlist>` answers writes and lists, `<entitylist>` answers entity reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from xml.etree import ElementTree as ET

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer


def idlist(urls: Iterable[str]) -> ET.Element:
    root = ET.Element("idlist")
    for url in urls:
        ET.SubElement(root, "Id").text = url
    return root


def entitylist(entities: Iterable[tuple[str, str, Mapping[str, list[str]]]]) -> ET.Element:
    """`entities`: (url, type, {attribute name: [values]})."""
    root = ET.Element("entitylist")
    for url, kind, attributes in entities:
        entity = ET.SubElement(root, "entity", {"id": url, "type": kind})
        for name, values in attributes.items():
            attribute = ET.SubElement(entity, "attribute", {"name": name})
            for value in values:
                ET.SubElement(attribute, "value").text = value
    return root


class XMLRenderer(BaseRenderer):
    media_type = "application/xml"
    format = "xml"
    charset = None  # XML defaults to UTF-8; the header stays exactly application/xml

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, ET.Element):
            return ET.tostring(data, encoding="utf-8", short_empty_elements=True).replace(
                b"<?xml version='1.0' encoding='utf-8'?>\n", b""
            )
        raise TypeError("the CustomerID surface renders ElementTree documents only")


class XMLParser(BaseParser):
    """A request body in XML, parsed by defusedxml (for completeness: CustomerID sends
    parameters in the query string). No DTDs or entities are accepted, in any encoding."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None) -> ET.Element:
        raw = stream.read() if stream else b""
        try:
            return defused_fromstring(raw, forbid_dtd=True, forbid_entities=True,
                                      forbid_external=True)
        except DefusedXmlException:
            raise ParseError("XML with a DTD or entities is not accepted.") from None
        except ET.ParseError as error:
            raise ParseError(f"Malformed XML: {error}") from None
        except (ValueError, LookupError) as error:
            # expat asks Python for a declared codec it does not know itself: an unknown
            # name is a LookupError, a multi-byte codec (UTF-7, Shift JIS) a ValueError
            raise ParseError(f"Malformed XML: {error}") from None


class AlwaysXML(BaseContentNegotiation):
    """CustomerID answers XML whatever the Accept header says."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
