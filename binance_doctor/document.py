"""A small, output-neutral document model for what commands show people.

Commands describe their screens as blocks (headings, fields, lists, tables,
sections); `render` writes those blocks as plain text or with rich. Keeping
the layout in data means every command gets plain output for pipes, colour
for terminals and golden tests for free, without importing rich when the
output is piped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Union


class Tone(str, Enum):
    PLAIN = "plain"
    OK = "ok"
    WARN = "warn"
    BAD = "bad"
    INFO = "info"


@dataclass(frozen=True)
class Heading:
    text: str
    tone: Tone = Tone.PLAIN


@dataclass(frozen=True)
class Text:
    text: str
    tone: Tone = Tone.PLAIN


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    tone: Tone = Tone.PLAIN


@dataclass(frozen=True)
class Items:
    label: str
    items: tuple[str, ...]
    numbered: bool = True


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None
    tones: tuple[Tone, ...] = ()     # one per row, optional


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    subtitle: str | None = None
    tone: Tone = Tone.PLAIN


Block = Union[Heading, Text, Field, Items, Table, Section]
