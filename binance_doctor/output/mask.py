"""Masking secrets in everything binance-doctor prints.

Two layers, one marker (***):

- `mask(text)`: the rules for text read from user input (logs, pastes):
  PEM blocks, the API key header, key/secret fields, request signatures and
  64-character key-shaped tokens. `scan` and `explain` apply it to what they
  quote from the input.
- `MaskedStream`: the one choke point every byte of output passes through.
  `cli.main` wraps sys.stdout and sys.stderr in it for the whole run, so our
  messages, click's usage errors, rich screens, JSON and --debug tracebacks
  are all masked, whichever command wrote them. It masks the values it was
  told to remember (BINANCE_API_SECRET, BINANCE_API_KEY, secrets read from
  files or prompts) and anything shaped like a secret, a key or a PEM block.
  It leaves HMAC signatures (lowercase hex) alone: `signature sign` prints
  them to be copied, and a signature is not a secret.

Masking happens on whole lines before anything is written, so a value is
never cut in two before the rules see it.
"""

from __future__ import annotations

import io
import re
from typing import IO, Iterable

from binance_doctor.pattern import Pattern

MASK = "***"

_PEM = (Pattern(r"-----BEGIN [A-Z0-9 ]*-----.*?(?:-----END [A-Z0-9 ]*-----|$)", re.S),
        "-----" + MASK + "-----")
_HEADER = (Pattern(r"""(?i)(x-mbx-apikey\\*['"]?\s*[:=]\s*\\*['"]?)(?!\$[A-Z_{])[^\s'",}\\]+"""),
           r"\1" + MASK)
_FIELD = (Pattern(r"""(?ix)
        ((?:api[_-]?key|api[_-]?secret|secret(?:[_-]?key)?|private[_-]?key|passphrase)
         \\*['"]?\s*[:=]\s*\\*['"]?)
        (?!\*\*\*|\$[A-Z_{])[^\s'",}\\]+"""), r"\1" + MASK)   # $VAR: a placeholder
# In our own output the same fields, but only values long enough to be a secret and not
# an environment variable's name ("from BINANCE_API_SECRET: an HMAC secret" stays).
_OUTPUT_FIELD = (Pattern(_FIELD[0].pattern.replace(
    "(?!\\*\\*\\*|", "(?!(?-i:[A-Z_]+)\\b)(?=[^\\s'\",}\\\\]{8})(?!\\*\\*\\*|"), re.I | re.X),
    _FIELD[1])
_KEY_SHAPED = Pattern(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
# In output, not a stretch of a base64 or percent-encoded value (an RSA signature that
# `signature sign` prints to be copied holds such stretches by chance).
_OUTPUT_KEY_SHAPED = Pattern(r"(?<![A-Za-z0-9+/%])[A-Za-z0-9]{64}(?![A-Za-z0-9+/=%])")

_RULES: tuple[tuple[Pattern, str], ...] = (
    _PEM,                                        # private keys, even with escaped newlines
    _HEADER,                                     # X-MBX-APIKEY in curl, JSON, header dumps
    (Pattern(r"(?i)(signature=)[^&\s'\"]+"), r"\1" + MASK),   # signature= in a paste
    _FIELD,                                      # apiKey / secret / privateKey fields
    (_KEY_SHAPED, MASK),                         # a Binance key or HMAC signature
)

# Cheap test: most text has none of these, and then no regex runs at all.
_MARKERS = ("-----BEGIN", "apikey", "APIKEY", "apiKey", "api_key", "api-key", "ignature=",
            "ecret", "rivate", "assphrase")
_OUTPUT_MARKERS = tuple(m for m in _MARKERS if m != "ignature=")
_LONG_TOKEN = Pattern(r"[A-Za-z0-9]{64}")
# A key-shaped token someone cut short ("...", "…"): what is left is still secret.
_CUT_TOKEN = Pattern(r"(?<![A-Za-z0-9])(?=[A-Za-z]*[0-9])(?=[0-9]*[A-Za-z])"
                     r"[A-Za-z0-9]{24,63}(?=…|\.\.\.)")
_HEX = Pattern(r"[0-9a-f]{64}|[0-9A-F]{64}")
_MIN_REMEMBERED = 6          # shorter values would mask ordinary words


def mask(text: str) -> str:
    """`text` with every secret-shaped value replaced by ***."""
    if not text:
        return text
    if not any(m in text for m in _MARKERS) and not _LONG_TOKEN.search(text):
        return text
    for rx, repl in _RULES:
        text = rx.sub(repl, text)
    return text


def looks_like_secret(value: str, known: Iterable[str] = ()) -> bool:
    """True for a value that is a key, a secret or a PEM block rather than, say, a path."""
    value = value.strip().strip("\"'")
    return (value in set(known) and len(value) >= _MIN_REMEMBERED) or (
        "-----BEGIN" in value or bool(re.fullmatch(r"[A-Za-z0-9]{64}", value)))


class Secrets:
    """The values of this run that must never be printed, in every case form."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._ordered: list[str] = []

    def remember(self, *values: str | None) -> None:
        for value in values:
            for form in _forms(value or ""):
                if len(form) >= _MIN_REMEMBERED and form not in self._values:
                    self._values.add(form)
                    self._ordered = sorted(self._values, key=len, reverse=True)

    def forget(self) -> None:
        self._values.clear()
        self._ordered = []

    def __contains__(self, value: str) -> bool:
        return value in self._values

    def __iter__(self):
        return iter(self._ordered)

    def mask(self, text: str) -> str:
        """Remembered values, then anything shaped like a key, a secret or a PEM block."""
        for value in self._ordered:
            if value in text:
                text = text.replace(value, MASK)
        if any(m in text for m in _OUTPUT_MARKERS):
            for rx, repl in (_PEM, _HEADER, _OUTPUT_FIELD):
                text = rx.sub(repl, text)
        if _has_long_run(text, 64):
            text = _OUTPUT_KEY_SHAPED.sub(_unless_hex, text)
        if ("…" in text or "..." in text) and _has_long_run(text, 24):
            text = _CUT_TOKEN.sub(MASK, text)
        return text


# Letters and digits -> "a", anything else -> " ": a run of N letters and digits is then a
# plain substring search, far cheaper than a regex tried at every position (this runs
# on every line printed, `scan --jsonl` prints millions).
# (Spelled out, not computed with chr().isalnum() over range(256): that loop was 0.25 M
# instructions of every start-up; tests/test_output_secrets.py checks the two agree.)
_RUNS = b" " * 48 + b"a" * 10 + b" " * 7 + b"a" * 26 + b" " * 6 + b"a" * 26 + b" " * 133
_RUN = {n: b"a" * n for n in (24, 64)}


def _has_long_run(text: str, n: int) -> bool:
    return _RUN[n] in text.encode("utf-8", "surrogatepass").translate(_RUNS)


def _forms(value: str) -> set[str]:
    bare = value.strip()
    unquoted = bare.strip("\"'").strip()
    return {f for v in (value, bare, unquoted) for f in (v, v.lower(), v.upper())}


def _unless_hex(m: re.Match[str]) -> str:
    return m.group(0) if _HEX.fullmatch(m.group(0)) else MASK


# Every secret this process has seen; cli.main fills it and wraps the streams.
SECRETS = Secrets()

_ASCII = str.maketrans({"✓": "ok", "✗": "x", "−": "-", "±": "+/-", "…": "...", "≥": ">=",
                        "≤": "<=", "×": "x", "•": "-", "—": "-", "–": "-", "’": "'",
                        "“": '"', "”": '"', "Ⓢ": "S", "→": "->", "µ": "u"})


class MaskedStream:
    """A text stream that masks secrets in whole lines before passing them on.

    Text is held until a newline or a flush (rich and our progress lines
    flush), so a secret split over two write() calls is still seen whole. A
    PEM block that spans writes is dropped up to its END line. When the
    stream's encoding cannot hold a character (cp1252, ascii), marks fall back
    to ASCII instead of raising UnicodeEncodeError. There is deliberately no
    `buffer` attribute: nothing may write around the mask.
    """

    def __init__(self, stream: IO[str], secrets: Secrets = SECRETS, fatal: bool = True) -> None:
        self._stream = stream
        self._secrets = secrets
        self._pending = ""
        self._in_pem = False
        # A stream that refuses a write (a full disk, closed) gets nothing more. For the
        # output (`fatal`) that is OutputFailed, raised once; for stderr, whose notes
        # and warnings must not stop a command, it is said nowhere.
        self._fatal = fatal
        self.lost = False

    @property
    def wrapped(self) -> IO[str]:
        return self._stream

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._pending += text
        cut = self._pending.rfind("\n")
        if cut >= 0:
            ready, self._pending = self._pending[:cut + 1], self._pending[cut + 1:]
            self._emit(ready)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.lost:
            return
        if self._pending:
            ready, self._pending = self._pending, ""
            self._emit(ready)
        try:
            self._stream.flush()
        except BrokenPipeError:      # the reader has all it wants (`| head`)
            self._gone()
        except OSError as e:         # a full disk: what was written is lost
            self._failed(e)
        except (AttributeError, ValueError):
            pass

    def _emit(self, text: str) -> None:
        if self.lost:
            return
        if self._in_pem:
            end = text.find("-----END")
            if end < 0:
                return
            close = text.find("-----", end + 8)
            text = text[close + 5:] if close >= 0 else ""
            self._in_pem = False
        begin = text.rfind("-----BEGIN")
        if begin >= 0 and text.find("-----END", begin) < 0:
            self._in_pem = True
        text = self._secrets.mask(text)
        if self._stream is None:     # started with the stream closed (`>&-`)
            self._failed(None)
            return
        try:
            try:
                self._write(text)
            except UnicodeEncodeError:
                encoding = getattr(self._stream, "encoding", None) or "ascii"
                self._write(text.translate(_ASCII).encode(encoding, "replace")
                            .decode(encoding))
        except BrokenPipeError:
            self._gone()
        except OSError as e:
            self._failed(e)

    def _write(self, text: str) -> None:
        raw = getattr(self._stream, "buffer", None)
        if not isinstance(raw, io.RawIOBase):
            self._stream.write(text)
            return
        # Unbuffered (python -u, PYTHONUNBUFFERED): the text layer hands the encoded
        # text to the file once, and a short write (a full disk) loses the rest unsaid.
        data = memoryview(text.encode(self._stream.encoding or "utf-8",
                                      self._stream.errors or "strict"))
        while data:
            n = raw.write(data)
            if n is None:            # a non-blocking file, full for now: wait for room
                import select

                select.select([], [raw], [])
                continue
            if n == 0:               # nothing taken and no error: it never will be
                raise OSError(28, "No space left on device")
            data = data[n:]

    def _gone(self) -> None:
        """The reader went away: for the output, ReaderGone stops the command; what is
        written after is dropped."""
        from binance_doctor.failure import ReaderGone

        self.lost, self._pending = True, ""
        if self._fatal:
            raise ReaderGone() from None

    def _failed(self, error: OSError | None) -> None:
        """Raise OutputFailed for the output, once; what is written after is dropped."""
        from binance_doctor.failure import OutputFailed

        self.lost, self._pending = True, ""
        if not self._fatal:
            return
        why = error.strerror if error is not None and error.strerror else "the stream is closed"
        raise OutputFailed(f"the output could not be written: {why}",
                           hint="check the disk or file the output goes to") from None

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (AttributeError, ValueError):
            return False

    def __getattr__(self, name: str):
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self._stream, name)
