"""A small, output-neutral document model for what commands show people.

Commands describe their screens as blocks (headings, fields, lists, tables,
sections); `render` writes those blocks as plain text or with rich. Keeping
the layout in data means every command gets plain output for pipes, colour
for terminals and golden tests for free, without importing rich when the
output is piped. Blocks are NamedTuples rather than dataclasses because they
are built on every run and a dataclass costs ~0.4 ms of start-up to define.
"""

# No `from __future__ import annotations`: typing.NamedTuple compiles every field
# annotation that is a string (start-up); these are all plain types.

from enum import Enum
from typing import NamedTuple, Union


class Tone(str, Enum):
    PLAIN = "plain"
    OK = "ok"
    WARN = "warn"
    BAD = "bad"
    INFO = "info"


class Heading(NamedTuple):
    text: str
    tone: Tone = Tone.PLAIN


class Text(NamedTuple):
    text: str
    tone: Tone = Tone.PLAIN


class Field(NamedTuple):
    label: str
    value: str
    tone: Tone = Tone.PLAIN


class Items(NamedTuple):
    label: str
    items: tuple[str, ...]
    numbered: bool = True


class Table(NamedTuple):
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None
    tones: tuple[Tone, ...] = ()     # one per row, optional


class Section(NamedTuple):
    title: str
    blocks: tuple = ()            # of Block
    subtitle: str | None = None
    tone: Tone = Tone.PLAIN


Block = Union[Heading, Text, Field, Items, Table, Section]
