"""The README's example output is real: each offline example is run and compared.

Examples of network commands (clock, check-key) ran against loopback servers on
ports that change every run, so they are left to their own scenario tests.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest

from support import TESTS, run_cli

README = (TESTS.parent / "README.md").read_text(encoding="utf-8")
OFFLINE = ("explain", "codes", "signature", "check-order")


def examples() -> list[tuple[str, list[str]]]:
    """(command line, the output lines shown under it) for each offline example."""
    found = []
    for block in re.findall(r"```\n(.*?)```", README, re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("$ "):
                continue
            shown = []
            for after in lines[i + 1:]:
                if after.startswith("$ "):
                    break
                shown.append(after)
            command = line[2:]
            tail = command.split("| binance-doctor ")[-1] if "| binance-doctor" in command \
                else command.removeprefix("binance-doctor ")
            if tail.split(" ")[0] in OFFLINE and not command.startswith(("curl", "export")):
                found.append((command, [s for s in shown if s.strip() and s != "..."]))
    return found


def run_example(command: str):
    secret = json.loads((TESTS / "reference" / "signature_vectors.json").read_text())[
        "vectors"][0]["secret"]
    env = {"BINANCE_API_SECRET": secret, "BINANCE_API_KEY": None}   # the shell's own key would change the output
    if " | binance-doctor " in command:
        echo, tool = command.split(" | binance-doctor ")
        return run_cli(*shlex.split(tool), input=shlex.split(echo)[1] + "\n", env=env)
    return run_cli(*shlex.split(command.removeprefix("binance-doctor ")), env=env)


EXAMPLES = examples()


def test_the_readme_has_offline_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("command,shown", EXAMPLES, ids=[c[:60] for c, _ in EXAMPLES])
def test_readme_example_output_is_what_the_tool_prints(command, shown):
    run = run_example(command)
    actual = (run.stdout + run.stderr).splitlines()
    position = 0
    for line in shown:        # shown lines appear in order; "..." marks cut output
        while position < len(actual) and actual[position].rstrip() != line.rstrip():
            position += 1
        assert position < len(actual), f"README line not in the output of {command!r}:\n{line}"
        position += 1


def python_examples() -> list[str]:
    """The README's Python blocks: each prints what its `# ` comment lines show."""
    return re.findall(r"```python\n(.*?)```", README, re.S)


def test_the_readme_has_a_python_example():
    assert python_examples()


@pytest.mark.parametrize("block", python_examples(), ids=lambda b: b.splitlines()[-2][:40])
def test_readme_python_example_prints_what_it_shows(block, capsys, binance, monkeypatch):
    """Run against the loopback exchange, whose first order answer is lost (a 502): the
    Session example must still print the order, and the exchange hold exactly one."""
    from fake.account import FakeKey
    from fake.orders import FakeOrders

    exchange = FakeOrders(binance, [FakeKey("k" * 64, secret="s" * 64)])
    exchange.lose_answer("bad_gateway")
    monkeypatch.setenv("BINANCE_API_KEY", "k" * 64)
    monkeypatch.setenv("BINANCE_API_SECRET", "s" * 64)
    monkeypatch.setenv("BINANCE_BASE_URL", binance.url)
    shown = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    exec(compile(block, "README.md", "exec"), {"__name__": "readme"})   # noqa: S102 - our own README
    assert capsys.readouterr().out.splitlines() == shown
    assert len(exchange.placed()) == (1 if "Session" in block else 0)
