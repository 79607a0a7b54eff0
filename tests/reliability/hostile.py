"""The hostile-input table: each case builds the bytes it sends to one POST route."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Route:
    """A POST operation of the document: its path, text field, and whether it takes forms."""

    path: str
    text_field: str
    fields: frozenset[str]
    takes_form: bool

    def body(self, text: object, **extra: object) -> dict[str, object]:
        """A body with the text in the route's field, a target when the route has one."""
        found: dict[str, object] = {self.text_field: text}
        if "source" in self.fields:
            found["source"] = "auto"
        if "target" in self.fields:
            found["target"] = "fa"
        if "target_lang" in self.fields:  # DeepL's
            found["target_lang"] = "FA"
        found.update(extra)
        return found


@dataclass(frozen=True)
class Sent:
    """One request: content type, body bytes, extra headers."""

    content_type: str | None
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """A hostile input, what it is, and the outcome the server must give."""

    name: str
    what: str
    outcome: str  # as in docs/reliability.md
    build: Callable[[Route], list[Sent]]


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")


def as_json(text: object, **extra: object) -> Callable[[Route], list[Sent]]:
    """The text (any JSON value) in the route's field, as JSON."""
    return lambda route: [Sent(JSON, _json(route.body(text, **extra)))]


def as_both(text: str, **extra: str) -> Callable[[Route], list[Sent]]:
    """The text as JSON, and as a form where the route takes one."""

    def build(route: Route) -> list[Sent]:
        sent = [Sent(JSON, _json(route.body(text, **extra)))]
        if route.takes_form:
            form = "&".join(
                f"{quote(k)}={quote(str(v), errors='surrogatepass')}"
                for k, v in route.body(text, **extra).items()
            )
            sent.append(Sent(FORM, form.encode()))
        return sent

    return build


def raw(content_type: str | None, body: bytes, **headers: str) -> Callable[[Route], list[Sent]]:
    """Bytes as they are, whatever the route."""
    return lambda route: [Sent(content_type, body, headers)]


def raw_text(
    make: Callable[[str], bytes], content_type: str = JSON
) -> Callable[[Route], list[Sent]]:
    """Bytes built around the route's text field name."""
    return lambda route: [Sent(content_type, make(route.text_field))]


def _form_raw(make: Callable[[str], bytes]) -> Callable[[Route], list[Sent]]:
    return lambda route: [Sent(FORM, make(route.text_field))] if route.takes_form else []


def _multipart_unreadable_name(route: Route) -> list[Sent]:
    """A multipart form of the route's fields, one part's name unreadable (`name="9\\"`)."""
    parts = [b'--B\r\nContent-Disposition: form-data; name="9\\"\r\n\r\nx\r\n']
    for name, value in route.body("Rain.").items():
        header = f'--B\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(header.encode() + str(value).encode() + b"\r\n")
    return [Sent("multipart/form-data; boundary=B", b"".join(parts) + b"--B--\r\n")]


_GLOSSARY = {f"term{n}": f"واژه{n}" for n in range(10_000)}
_rng = random.Random(14)
_EMOJI = "".join(chr(_rng.randrange(0x1F300, 0x1F650)) for _ in range(50_000))
_OK = "200, or 4xx JSON"

CASES: list[Case] = [
    Case(
        "invalid-utf8",
        "bytes that are not UTF-8 inside a JSON string",
        "400 malformed",
        raw_text(lambda f: b'{"' + f.encode() + b'": "caf\xe9 \xff\xfe", "target": "fa"}'),
    ),
    Case(
        "lone-high-surrogate",
        '`"\\ud800"` in the text',
        "422 naming the field",
        raw_text(lambda f: b'{"' + f.encode() + b'": "hello \\ud800 world", "target": "fa"}'),
    ),
    Case(
        "lone-low-surrogate",
        '`"\\udfff"` alone',
        "422 naming the field",
        raw_text(lambda f: b'{"' + f.encode() + b'": "\\udfff", "target": "fa"}'),
    ),
    Case(
        "reversed-surrogates",
        "a low then a high surrogate",
        "422 naming the field",
        raw_text(lambda f: b'{"' + f.encode() + b'": "a\\udc00\\ud800b", "target": "fa"}'),
    ),
    Case(
        "surrogate-in-key",
        "a lone surrogate in an object key",
        "422",
        raw(JSON, b'{"text": "Rain.", "q": "Rain.", "\\ud800": 1}'),
    ),
    Case("nul", "NUL bytes inside the text", _OK, as_both("Heavy\x00 rain\x00.")),
    Case(
        "c0-controls",
        "every C0 control character",
        _OK,
        as_both("Rain " + "".join(chr(c) for c in range(32)) + " fell."),
    ),
    Case(
        "c1-controls",
        "DEL and the C1 controls",
        _OK,
        as_both("Rain " + "".join(chr(c) for c in range(127, 160)) + " fell."),
    ),
    Case(
        "bidi-overrides",
        "RLO/LRO/PDF around words",
        _OK,
        as_both("\u202eHeavy rain\u202c \u202dباران\u202c"),
    ),
    Case(
        "bidi-isolates",
        "LRI/RLI/FSI/PDI, unbalanced too",
        _OK,
        as_both("\u2066Rain\u2069 \u2067باران \u2068x"),
    ),
    Case(
        "zero-width",
        "ZWJ, ZWNJ, BOM, word joiner everywhere",
        _OK,
        as_both("\ufeffR\u200da\u200ci\u2060n\u200b."),
    ),
    Case(
        "punctuation-1e6",
        "10⁶ characters of punctuation, no spaces",
        "413 (over the text limit)",
        as_both("!?.,;:" * 166_667),
    ),
    Case("word-100k", "one 100,000-character word", _OK, as_json("a" * 100_000)),
    Case("emoji-50k", "50,000 emoji", _OK, as_json(_EMOJI)),
    Case("nested-arrays", "`[` × 10,000", "400 nested too deep", raw(JSON, b"[" * 10_000)),
    Case(
        "nested-objects",
        '`{"a":` × 10,000',
        "400 nested too deep",
        raw(JSON, b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
    ),
    Case(
        "nested-in-field",
        "the text field nested 100 deep",
        "400 nested too deep",
        raw_text(lambda f: b'{"' + f.encode() + b'": ' + b"[" * 100 + b"]" * 100 + b"}"),
    ),
    Case("number-as-text", "the text is a number", "4xx invalid", as_json(42)),
    Case("bool-as-text", "the text is `true`", "4xx invalid", as_json(True)),
    Case("null-text", "the text is `null`", "4xx invalid", as_json(None)),
    Case("object-as-text", "the text is an object", "4xx invalid", as_json({"a": 1})),
    Case("list-of-numbers", "a list of numbers as texts", "4xx invalid", as_json([1, 2, 3])),
    Case(
        "string-as-number",
        "numbers sent as words (`max_sentences`, `alternatives`)",
        "4xx invalid",
        as_json("Rain.", max_sentences="three", alternatives="two"),
    ),
    Case(
        "huge-number",
        "a number of 400 digits and 1e400",
        "4xx",
        raw_text(
            lambda f: (
                b'{"' + f.encode() + b'": "Rain.", "max_words": 1e400, "n": ' + b"9" * 400 + b"}"
            )
        ),
    ),
    Case(
        "nan",
        "`NaN` and `Infinity` literals",
        "4xx",
        raw_text(lambda f: b'{"' + f.encode() + b'": "Rain.", "max_words": NaN, "x": Infinity}'),
    ),
    Case(
        "duplicate-keys",
        "the text field twice",
        _OK,
        raw_text(
            lambda f: (
                b'{"' + f.encode() + b'": "a", "' + f.encode() + b'": "Rain.", "target": "fa"}'
            )
        ),
    ),
    Case(
        "unknown-fields",
        "fields the route does not have",
        "4xx invalid or 200",
        as_json("Rain.", model="../../etc/passwd", __proto__={"admin": True}),
    ),
    Case("empty-object", "`{}`", "4xx invalid", raw(JSON, b"{}")),
    Case(
        "top-level-array",
        "a JSON array instead of an object",
        "4xx invalid",
        raw(JSON, b'["Rain."]'),
    ),
    Case(
        "top-level-string",
        "a JSON string instead of an object",
        "4xx invalid",
        raw(JSON, b'"Rain."'),
    ),
    Case(
        "trailing-garbage",
        "valid JSON then more bytes",
        "400 malformed",
        raw_text(lambda f: b'{"' + f.encode() + b'": "Rain."} xyz'),
    ),
    Case("empty-body", "no body at all", "4xx", raw(JSON, b"")),
    Case(
        "utf16-body",
        "the JSON encoded as UTF-16",
        "4xx or 200",
        raw_text(lambda f: ('{"' + f + '": "Rain.", "target": "fa"}').encode("utf-16")),
    ),
    Case(
        "bom-body",
        "UTF-8 JSON with a byte-order mark",
        "4xx or 200",
        raw_text(lambda f: b'\xef\xbb\xbf{"' + f.encode() + b'": "Rain.", "target": "fa"}'),
    ),
    Case(
        "wrong-content-type",
        "JSON sent as text/plain",
        "415 or 400",
        raw_text(lambda f: b'{"' + f.encode() + b'": "Rain."}', "text/plain"),
    ),
    Case(
        "missing-content-type",
        "JSON with no Content-Type",
        "4xx or 200",
        raw_text(lambda f: b'{"' + f.encode() + b'": "Rain.", "target": "fa"}', ""),
    ),
    Case(
        "multipart-no-boundary",
        "multipart/form-data without a boundary",
        "4xx",
        raw("multipart/form-data", b"--x\r\n\r\nRain\r\n--x--\r\n"),
    ),
    Case(
        "multipart-unreadable-name",
        "a multipart form with a part whose name cannot be read",
        "4xx or 200",
        _multipart_unreadable_name,
    ),
    Case(
        "latin1-charset",
        "a latin-1 body that says so",
        "4xx or 200",
        raw_text(
            lambda f: b'{"' + f.encode() + b'": "caf\xe9"}', "application/json; charset=latin-1"
        ),
    ),
    Case(
        "path-traversal-names",
        "`../../etc/passwd` as language, model and format",
        "4xx invalid",
        as_both("Rain.", source="../../etc/passwd", target="..%2f..%2fetc", format="../x"),
    ),
    Case(
        "html-script",
        "HTML with scripts and unclosed tags (`format=html`)",
        _OK,
        as_both("<p>Rain <script>alert(1)</script><b><i>fell<div", format="html"),
    ),
    Case(
        "html-as-text",
        "the same HTML as plain text",
        _OK,
        as_both("<img src=x onerror=alert(1)><p>Rain</p><!--"),
    ),
    Case(
        "glossary-10k",
        "a glossary of 10⁴ entries",
        "4xx or 200",
        as_json("term1 fell.", glossary=_GLOSSARY),
    ),
    Case(
        "glossary-bad-values",
        "glossary values that are not strings",
        "4xx invalid",
        as_json("Rain.", glossary={"a": 1, "b": None, "c": ["x"]}),
    ),
    Case(
        "keep-huge",
        "a `keep` list of 10⁴ terms",
        "4xx or 200",
        as_json("Rain.", keep=[f"t{n}" for n in range(10_000)]),
    ),
    Case("too-many-texts", "10⁴ texts in one request", "413", as_json(["Rain."] * 10_000)),
    Case("empty-texts", "a list of empty strings", "4xx invalid", as_json([""] * 50)),
    Case(
        "long-field-name",
        "a 100,000-character field name",
        "4xx invalid or 200",
        raw_text(lambda f: b'{"' + f.encode() + b'": "Rain.", "' + b"k" * 100_000 + b'": 1}'),
    ),
    Case(
        "form-invalid-utf8",
        "a form with raw bytes that are not UTF-8",
        _OK,
        _form_raw(lambda f: f.encode() + b"=Rain.&target=fa&x=caf\xe9\xff"),
    ),
    Case(
        "form-surrogate",
        "a form with a percent-encoded surrogate (`%ED%A0%80`)",
        _OK,
        _form_raw(lambda f: f.encode() + b"=Rain%ED%A0%80.&target=fa"),
    ),
    Case(
        "form-repeated",
        "the text field repeated 1,000 times",
        "413 or 200",
        _form_raw(lambda f: b"&".join([f.encode() + b"=Rain."] * 1000) + b"&target=fa"),
    ),
    Case(
        "form-no-text",
        "a form without the text field",
        "4xx invalid",
        _form_raw(lambda f: b"target=fa&source=en"),
    ),
    Case(
        "form-as-json",
        "a form body labelled as JSON",
        "400 malformed",
        raw_text(lambda f: f.encode() + b"=Rain.&target=fa"),
    ),
]
