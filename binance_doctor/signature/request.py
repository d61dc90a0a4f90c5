"""The request exactly as it was sent: a URL, a curl command, a raw HTTP request, or parts.

Owns turning what a user pastes into method, URL, query string, body and
headers, keeping the query and body byte-for-byte as they were sent (the
signature was computed over them, so nothing is decoded or re-ordered here).
A curl line is split with shlex; its -d/--data* bodies, --data-urlencode
parts, -G, -X and -H are understood, other flags are skipped. A raw HTTP
request (request line, headers, blank line, body) is read as a proxy or a
debug log shows it. A JSON body may carry its own `signature`.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

from binance_doctor.signature import signing
from binance_doctor.failure import BadInput

API_KEY_HEADER = "x-mbx-apikey"
_REQUEST_LINE = re.compile(r"^(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\s+(\S+)\s+HTTP/\d(?:\.\d)?$")
_DATA = {"-d", "--data", "--data-raw", "--data-ascii", "--data-binary"}
# curl flags that take a value we do not need; skipping the value keeps it from
# being mistaken for the URL.
_SKIP_VALUE = {"-o", "--output", "-u", "--user", "-A", "--user-agent", "-e", "--referer",
               "-b", "--cookie", "-c", "--cookie-jar", "-m", "--max-time",
               "--connect-timeout", "-x", "--proxy", "-w", "--write-out", "--retry",
               "-T", "--upload-file", "--cacert", "--cert", "--key", "-K", "--config",
               "--resolve", "--interface", "-r", "--range", "-F", "--form",
               "-Y", "--speed-limit", "-y", "--speed-time", "--limit-rate"}


@dataclass(frozen=True)
class SentRequest:
    """Method, endpoint and the raw query and body, as they went over the wire."""

    method: str
    url: str | None                       # scheme://host/path, no query; None if not given
    query: str                            # raw, may hold `signature=`
    body: str                             # raw, may hold `signature=`
    headers: tuple[tuple[str, str], ...] = ()
    source: str = "query/body"            # "url", "curl" or "query/body"

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k.lower() == name.lower()]
        return found[-1] if found else None

    @property
    def api_key(self) -> str | None:
        value = self.header(API_KEY_HEADER)
        return value if value and not value.startswith("$") else None

    @property
    def json_body(self) -> dict | None:
        """The body's parameters when it was sent as a JSON object instead of a form."""
        text = self.body.strip()
        content_type = (self.header("content-type") or "").lower()
        if not (text.startswith("{") or "json" in content_type):
            return None
        try:
            # Numbers stay as written: the signature was computed over the text.
            value = json.loads(text, parse_float=str, parse_int=str)
        except (ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) else None

    def signatures(self) -> list[tuple[str, str]]:
        """Every sent signature value (raw, as on the wire) with where it was."""
        found = [("query", v) for k, v in _pieces(self.query) if k == signing.SIGNATURE_PARAM]
        params = self.json_body
        if params is not None:
            value = params.get(signing.SIGNATURE_PARAM)
            if value is not None:
                found.append(("JSON body", _json_text(value)))
        else:
            found += [("body", v) for k, v in _pieces(self.body) if k == signing.SIGNATURE_PARAM]
        return found

    @property
    def signature(self) -> tuple[str | None, str | None]:
        """The sent signature value (raw, as on the wire) and where it was.

        Two `signature` parameters are an error: which one Binance reads is not
        documented, so no verdict on either could be trusted.
        """
        found = self.signatures()
        if len(found) > 1:
            listed = " and ".join(f"signature={v} (in the {where})" for where, v in found)
            raise BadInput(f"the request carries {len(found)} signature parameters: {listed}",
                           hint="send exactly one signature, as the last parameter; a wrapper "
                                "that signs an already signed request adds a second one")
        if found:
            return found[0][1], found[0][0]
        return None, None

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Every sent parameter, query first then a form body, raw and in order."""
        body = [] if self.json_body is not None else signing.split_pairs(self.body)
        return signing.split_pairs(self.query) + body

    @property
    def signature_last(self) -> bool:
        """Whether `signature` is the very last parameter of query+body, as Binance wants."""
        pairs = self.pairs
        return not pairs or pairs[-1][0] == signing.SIGNATURE_PARAM or all(
            k != signing.SIGNATURE_PARAM for k, _ in pairs)

    def as_sent(self) -> tuple[str, str]:
        """Query and body as the server received them, without the signature.

        Kept byte for byte (empty `&&` pieces too); only raw non-ASCII
        characters are shown as their %XX escapes, the one encoding the docs
        make mandatory. A JSON body becomes the form body Binance would read,
        its values as written (numbers are not re-rendered).
        """
        query = signing.encode_non_ascii(signing.without_signature(self.query)[0])
        params = self.json_body
        if params is not None:
            body = signing.encode_params([(k, _json_text(v)) for k, v in params.items()
                                          if k != signing.SIGNATURE_PARAM and v is not None])
        else:
            body = signing.encode_non_ascii(signing.without_signature(self.body)[0])
        return query, body

    def canonical(self) -> tuple[str, str]:
        """Query and body as they should be signed and sent: encoded, no signature."""
        query, body = self.as_sent()
        return signing.percent_encode(query), signing.percent_encode(body)

    def raw_non_ascii(self) -> bool:
        """Whether raw (unencoded) non-ASCII characters were sent."""
        return not (self.query.isascii() and self.body.isascii())


def _pieces(wire: str) -> list[tuple[str, str]]:
    return [(p.partition("=")[0], p.partition("=")[2]) for p in wire.split("&") if p]


def _json_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


def curl_line(method: str, url: str | None, query: str, body: str, signature: str) -> str:
    """A ready curl command; the API key stays a shell variable, the secret is not needed."""
    target = url or "https://api.binance.com/ENDPOINT"
    if body:
        body = f"{body}&{signing.SIGNATURE_PARAM}={signature}"
    else:
        query = "&".join(p for p in (query, f"{signing.SIGNATURE_PARAM}={signature}") if p)
    words = ["curl", "-H", '"X-MBX-APIKEY: $BINANCE_API_KEY"', "-X", method,
             shlex.quote(f"{target}?{query}" if query else target)]
    if body:
        words += ["-d", shlex.quote(body)]
    return " ".join(words)


def parse(text: str, method: str | None = None) -> SentRequest:
    """A URL, a curl command line, a raw HTTP request or a bare query string, by its shape."""
    text = text.strip()
    if not text:
        raise BadInput("the request is empty",
                       hint="give a URL, a curl command, or --query/--body")
    if text.startswith("curl ") or text.startswith("curl\t") or text == "curl":
        return parse_curl(text)
    if _REQUEST_LINE.match(text.splitlines()[0].strip()):
        return parse_http(text)
    if "://" in text.split("?", 1)[0] or text.startswith("/"):
        return parse_url(text, method)
    if "\n" in text.strip():
        first, _, rest = text.partition("\n")
        return from_parts(first.strip().lstrip("?"), rest.strip(), method)
    return from_parts(text.lstrip("?"), "", method)


def from_parts(query: str, body: str, method: str | None = None,
               url: str | None = None, headers: tuple[tuple[str, str], ...] = (),
               source: str = "query/body") -> SentRequest:
    chosen = (method or ("POST" if body else "GET")).upper()
    return SentRequest(chosen, url, query, body, headers, source)


def parse_url(text: str, method: str | None = None, body: str = "") -> SentRequest:
    try:
        parts = urlsplit(text.strip())
    except ValueError as e:
        raise BadInput(f"that URL cannot be read: {e}") from None
    base = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else parts.path
    return from_parts(parts.query, body, method, base or None, source="url")


def parse_http(text: str) -> SentRequest:
    """A raw HTTP/1.x request: request line, headers, a blank line, then the body."""
    normal = text.replace("\r\n", "\n")
    head, _, body = normal.partition("\n\n")
    lines = head.split("\n")
    match = _REQUEST_LINE.match(lines[0].strip())
    if match is None:
        raise BadInput("the first line is not an HTTP request line (METHOD TARGET HTTP/1.1)")
    method, target = match.group(1), match.group(2)
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or " " in name.strip():
            raise BadInput(f"this header line of the HTTP request cannot be read: {line.strip()!r}",
                           hint="paste the request as captured: request line, one header "
                                "per line, a blank line, then the body")
        headers.append((name.strip(), value.strip()))
    host = next((v for k, v in headers if k.lower() == "host"), None)
    if "://" in target:
        url = target
    else:
        url = f"https://{host}{target}" if host else target
    parsed = parse_url(url, method)
    body = body.rstrip("\n")
    return SentRequest(method, parsed.url, parsed.query, body, tuple(headers), "http")


def parse_curl(text: str) -> SentRequest:
    """A curl command as typed in a shell (line continuations allowed)."""
    joined = text.replace("\\\r\n", " ").replace("\\\n", " ")
    try:
        words = shlex.split(joined)
    except ValueError as e:
        raise BadInput(f"the curl command cannot be split into words: {e}",
                       hint="check the quotes; paste the command exactly as run") from None
    if not words or words[0] != "curl":
        raise BadInput("a curl command must start with `curl`")
    method, url, get = None, None, False
    data: list[str] = []
    headers: list[tuple[str, str]] = []
    i = 1
    while i < len(words):
        word = words[i]
        value = words[i + 1] if i + 1 < len(words) else None
        name, inline = _split_option(word)
        takes = name in _DATA or name in {"--data-urlencode", "-X", "--request", "-H",
                                          "--header", "--url"} or name in _SKIP_VALUE
        if takes and inline is None and value is None:
            raise BadInput(f"curl option {name} has no value")
        arg = inline if inline is not None else value
        step = 1 if inline is not None else 2
        if name in _DATA:
            if arg.startswith("@") and name != "--data-raw":
                raise BadInput(f"curl reads the body from a file ({arg}); "
                               "paste the body with --body instead")
            data.append(arg)
        elif name == "--data-urlencode":
            data.append(_curl_urlencode(arg))
        elif name in ("-X", "--request"):
            method = arg
        elif name in ("-H", "--header"):
            key, _, val = arg.partition(":")
            headers.append((key.strip(), val.strip()))
        elif name == "--url":
            url = arg
        elif name in ("-G", "--get"):
            get, step = True, 1
        elif name in _SKIP_VALUE:
            pass
        elif word.startswith("-") and word != "-":
            step = 1                                  # a flag without a value (-s, -v, -k ...)
        else:
            url, step = word, 1
        i += step
    if url is None:
        raise BadInput("the curl command has no URL")
    body = "&".join(data)
    parsed = parse_url(url, method)
    query = parsed.query
    if get and body:
        query, body = "&".join(p for p in (query, body) if p), ""
    chosen = method or ("POST" if body else "GET")
    return SentRequest(chosen.upper(), parsed.url, query, body, tuple(headers), "curl")


def _split_option(word: str) -> tuple[str, str | None]:
    """`--data=x` -> ('--data', 'x'); `-dx` -> ('-d', 'x'); `-H` -> ('-H', None)."""
    if word.startswith("--") and "=" in word:
        name, _, value = word.partition("=")
        return name, value
    if len(word) > 2 and word[0] == "-" and word[1] in "dXHAeubcmxwoTrFKyY" and word[1] != "-":
        return word[:2], word[2:]
    return word, None


def _curl_urlencode(arg: str) -> str:
    """What curl sends for --data-urlencode ARG (name=content, =content or content)."""
    if "@" in arg.split("=", 1)[0]:
        raise BadInput("curl reads --data-urlencode content from a file; paste it instead")
    if "=" in arg:
        name, _, content = arg.partition("=")
        encoded = signing.encode_value(content)
        return f"{name}={encoded}" if name else encoded
    return signing.encode_value(arg)
