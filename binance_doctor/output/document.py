"""A small, output-neutral document model for what commands show people.

Commands describe their screens as blocks (headings, fields, lists, tables,
sections); `render` writes those blocks as plain text or with rich. Keeping
the layout in data means every command gets plain output for pipes, colour
for terminals and golden tests for free, without importing rich when the
output is piped. Blocks are named tuples rather than dataclasses because they
are built on every run and a dataclass costs ~0.4 ms of start-up to define.
"""

from collections import namedtuple
from enum import Enum
from typing import Union


class Tone(str, Enum):
    PLAIN = "plain"
    OK = "ok"
    WARN = "warn"
    BAD = "bad"
    INFO = "info"


# collections.namedtuple rather than typing.NamedTuple: the same tuples, for less than
# half the start-up (typing checks every annotation, ~0.5 M instructions a class).
Heading = namedtuple("Heading", "text tone", defaults=(Tone.PLAIN,))        # str, Tone
Text = namedtuple("Text", "text tone", defaults=(Tone.PLAIN,))              # str, Tone
Field = namedtuple("Field", "label value tone", defaults=(Tone.PLAIN,))     # str, str, Tone
Items = namedtuple("Items", "label items numbered", defaults=(True,))   # str, tuple[str], bool
# columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], title: str | None,
# tones: tuple[Tone, ...] (one per row, optional)
Table = namedtuple("Table", "columns rows title tones", defaults=(None, ()))
# title: str, blocks: tuple[Block, ...], subtitle: str | None, tone: Tone
Section = namedtuple("Section", "title blocks subtitle tone", defaults=((), None, Tone.PLAIN))

Block = Union[Heading, Text, Field, Items, Table, Section]
