"""`main()`: the console-script entry point, and the one place errors become exit codes.

Only the invoked command's module is imported (`root.load_commands`), so a
command starts without paying for the others.
"""

from __future__ import annotations

import os
import sys

import typer

from binance_doctor.cli.root import State, app, click_errors, load_commands
from binance_doctor.failure import DoctorError, ExitCode


def _print_error(message: str, hint: str | None, code: ExitCode, as_json: bool) -> None:
    if as_json:
        from binance_doctor.output import render

        render.write_json("error", {"message": message, "hint": hint,
                                    "exit_code": int(code), "exit_name": code.name}, ok=False)
        return
    sys.stderr.write(f"binance-doctor: error: {message}\n")
    if hint:
        sys.stderr.write(f"  hint: {hint}\n")


def _exit_code(value: int) -> ExitCode:
    try:
        return ExitCode(value)
    except ValueError:
        return ExitCode.INTERNAL


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: the only place errors turn into exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    State.debug = "--debug" in args or bool(os.environ.get("BINANCE_DOCTOR_DEBUG"))
    code = ExitCode.OK
    try:
        result = load_commands(args)(args=args, prog_name="binance-doctor", standalone_mode=False)
        code = ExitCode(result) if isinstance(result, int) else ExitCode.OK
    except DoctorError as e:
        _print_error(e.message, e.hint, e.exit_code, as_json)
        code = e.exit_code
    except typer.Exit as e:
        code = _exit_code(e.exit_code)
    except SystemExit as e:
        # typer exits by itself on a broken pipe (`| head`): not our error.
        code = _exit_code(e.code if isinstance(e.code, int) else 1)
    except click_errors.ClickException as e:
        # Usage errors keep click's own wording and exit 2.
        if as_json:
            _print_error(e.format_message(), None, ExitCode.USAGE, True)
        else:
            e.show()
        code = ExitCode.USAGE
    except typer.Abort:
        sys.stderr.write("binance-doctor: aborted\n")
        code = ExitCode.INTERNAL
    except KeyboardInterrupt:
        sys.stderr.write("binance-doctor: interrupted\n")
        return 130
    except Exception as e:  # noqa: BLE001 - the last line of defence: no tracebacks
        if State.debug:
            raise
        _print_error(f"internal error: {type(e).__name__}: {e}",
                     "rerun with --debug for the traceback, and report it", ExitCode.INTERNAL,
                     as_json)
        code = ExitCode.INTERNAL
    if argv is None:
        sys.exit(int(code))
    return int(code)
