"""What the reader makes of a text does not depend on the process's hash seed.

Python orders sets of strings by a per-process random seed. A set's order once
decided which of two documented wordings of one span a message was read as, so
"Quantity less than zero." implied -4003 in one run and -4026 (whose "%s less
than zero." it also fills in) in the next. These tests read every documented
wording, filled in, in processes with different seeds and compare.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Every template of the catalog with its placeholders filled, read on its own and in a
# log line, in one process; the codes each is read as, printed as JSON.
_READ_ALL = r"""
import json, re
from binance_doctor.errors import extract
from binance_doctor.errors.catalog import PLACEHOLDER, load

out = {}
for template, entry, _ in load().wordings():
    text = PLACEHOLDER.sub("Quantity", template)
    for line in (text, "2024-01-02 03:04:05 ERROR order failed: " + text):
        out[line] = [list(c[:3]) for c in extract.analyse(line).codes]
print(json.dumps(out, sort_keys=True))
"""


def _read_with_seed(seed: int) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    done = subprocess.run([sys.executable, "-c", _READ_ALL], capture_output=True, text=True,
                          env=env, timeout=300, check=True)
    return json.loads(done.stdout)


def test_every_wording_is_read_the_same_under_any_hash_seed():
    first = _read_with_seed(1)
    assert len(first) > 500
    for seed in (2, 3, 4):
        other = _read_with_seed(seed)
        differ = [t for t in first if first[t] != other.get(t)]
        assert not differ, f"seed {seed} reads {len(differ)} texts otherwise, e.g. {differ[:3]}"


@pytest.mark.parametrize("seed", ["1", "2", "3", "4"])
def test_a_wording_that_fills_in_another_implies_its_own_code(seed):
    # -4003's own wording is "Quantity less than zero."; -4026 documents "%s less than
    # zero.", which it only fills in.
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run([sys.executable, "-m", "binance_doctor", "explain", "--json",
                           "Quantity less than zero."], capture_output=True, text=True,
                          env=env, timeout=60)
    assert json.loads(done.stdout)["result"]["query"]["code"] == -4003

