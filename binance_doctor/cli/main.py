"""`main()`: the console-script entry point, and the one place errors become exit codes.

Only the invoked command's module is imported (`root.load_commands`), so a
command starts without paying for the others. `main()` also owns the one
masking choke point: for the whole run, sys.stdout and sys.stderr are
`MaskedStream`s, so nothing any command, click or a traceback prints can
carry a secret.
"""

from __future__ import annotations

import os
import sys

import typer

from binance_doctor.cli.root import (COMMANDS, State, click_errors, load_commands,
                                     unclipped_help)
from binance_doctor.failure import DoctorError, ExitCode, OutputFailed, ReaderGone
from binance_doctor.output import mask

# Environment values that are secrets wherever they show up in output.
SECRET_ENV = ("BINANCE_API_SECRET", "BINANCE_API_KEY", "BINANCE_PRIVATE_KEY_PASSPHRASE")


def _print_error(message: str, hint: str | None, code: ExitCode, as_json: bool,
                 command: str = "binance-doctor") -> None:
    """The error as --json's envelope on stdout, else (or when stdout cannot take it)
    as one line and its hint on stderr; when neither can be written, nothing."""
    if as_json:
        from binance_doctor.output import render

        try:
            render.write_json(command, {"message": message, "hint": hint,
                                        "exit_code": int(code), "exit_name": code.name},
                              ok=False)
            sys.stdout.flush()
        except (OutputFailed, ReaderGone, OSError):
            pass
        if not getattr(sys.stdout, "lost", False):
            return
    try:
        sys.stderr.write(f"binance-doctor: error: {message}\n")
        if hint:
            sys.stderr.write(f"  hint: {hint}\n")
        sys.stderr.flush()
    except OSError:
        pass


def _exit_code(value: int) -> ExitCode:
    try:
        return ExitCode(value)
    except ValueError:
        return ExitCode.INTERNAL


def _own(args: list[str]) -> list[str]:
    """The arguments before `--`: after it, every word is the command's literal text."""
    return args[:args.index("--")] if "--" in args else args


def _words(args: list[str]) -> list[str]:
    """The arguments before `--` that are not options: the command and its words."""
    return [a for a in _own(args) if not a.startswith("-")]


def command_name(args: list[str]) -> str:
    """The command the arguments name ("explain", "signature sign"), for messages and JSON."""
    words = _words(args)
    if not words or words[0] not in COMMANDS:
        return "binance-doctor"
    if words[0] == "signature" and len(words) > 1 and words[1] in ("sign", "verify"):
        return f"signature {words[1]}"
    return words[0]


# Commands that print their help when called without a subcommand.
GROUPS = ("signature", "config")


def wants_help(args: list[str]) -> bool:
    """Whether typer will print help for these arguments."""
    own, words = _own(args), _words(args)
    return "-h" in own or "--help" in own or not words or (len(words) == 1
                                                           and words[0] in GROUPS)


def _command(info) -> str:
    """The name a registered command is invoked by, as typer derives it."""
    return info.name or info.callback.__name__.replace("_", "-")


def command_alone(app: typer.Typer, args: list[str]):
    """The command the arguments start with, as a click command of its own; None when
    they start with something else or ask for help.

    Start-up: through the app, typer builds the root group (its callback's five
    options) and parses the arguments through it, ~6 M instructions of `explain
    -2010`, a fifth of what it added over a bare typer app, for options main() has
    already taken out of the arguments. The group is still built where it does
    something: help, an option before the command (`--version`), command groups
    (`signature sign`) and a mistyped command. The command gets the root's context
    settings (-h for help), as it does from the group's context.
    """
    if not args or wants_help(args):
        return None
    for info in app.registered_commands:
        if _command(info) == args[0]:
            from typer.main import get_command_from_info

            return get_command_from_info(info, rich_markup_mode=app.rich_markup_mode,
                                         pretty_exceptions_short=app.pretty_exceptions_short)
    return None


GLOBAL_FLAGS = ("--quiet", "-q", "--no-pager", "--color")


def own_flags(args: list[str]) -> set[str]:
    """The option names the invoked command (or subcommand) declares itself, e.g. -q for
    signature's --query: those stay with the command."""
    import inspect

    app = load_commands(args)
    words = [a for a in args if not a.startswith("-")]
    found: set[str] = set()

    def walk(typer_app, depth: int) -> None:
        for cmd in typer_app.registered_commands:
            if depth < len(words) and _command(cmd) == words[depth]:
                for param in inspect.signature(cmd.callback).parameters.values():
                    found.update(getattr(param.default, "param_decls", None) or ())
        for group in typer_app.registered_groups:
            if depth < len(words) and group.name == words[depth]:
                walk(group.typer_instance, depth + 1)

    walk(app, 0)
    return found


def split_globals(args: list[str]) -> tuple[list[str], dict[str, str | bool]]:
    """Take -q/--quiet, --no-pager and --color WHEN (also --color=WHEN) from anywhere
    before `--`, after the command too, unless the command uses the name itself."""
    mine = own_flags(args)
    out: list[str] = []
    found: dict[str, str | bool] = {}
    i, literal = 0, False
    while i < len(args):
        arg = args[i]
        literal = literal or arg == "--"
        name = arg.split("=", 1)[0]
        if literal or name not in GLOBAL_FLAGS or name in mine:
            out.append(arg)
        elif name == "--color":
            if "=" in arg:
                found["color"] = arg.split("=", 1)[1]
            elif i + 1 < len(args):
                i += 1
                found["color"] = args[i]
            else:
                found["color"] = ""
        else:
            found["quiet" if name in ("-q", "--quiet") else "no_pager"] = True
        i += 1
    return out, found


def _apply_globals(found: dict[str, str | bool]) -> None:
    from binance_doctor.cli.root import State
    from binance_doctor.output import render

    color = found.get("color", "auto")
    if color not in render.COLOR_CHOICES:
        raise click_errors.BadParameter(f"{color!r} is not one of auto, always, never",
                                        param_hint="'--color'")
    render.Options.color = str(color)
    render.Options.pager = not found.get("no_pager")
    State.quiet = bool(found.get("quiet"))


def _split_debug(args: list[str]) -> tuple[list[str], bool]:
    """--debug is accepted anywhere before `--`, after the command too."""
    out, debug, literal = [], False, False
    for arg in args:
        if arg == "--":
            literal = True
        if arg == "--debug" and not literal:
            debug = True
            continue
        out.append(arg)
    return out, debug


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: the only place errors turn into exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    mask.SECRETS.forget()
    mask.SECRETS.remember(*(os.environ.get(name) for name in SECRET_ENV))
    streams = sys.stdout, sys.stderr
    sys.stdout = mask.MaskedStream(sys.stdout)
    sys.stderr = mask.MaskedStream(sys.stderr, fatal=False)
    try:
        code = _run(args)
        try:
            sys.stdout.flush()       # what is still held is written now, or said lost
        except OutputFailed as e:
            _print_error(e.message, e.hint, e.exit_code, False)
            # The output is lost: a command that had failed keeps its own code.
            code = e.exit_code if code == ExitCode.OK else code
        except ReaderGone:           # the reader has all it wants (`| head`)
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, OutputFailed, ReaderGone):
                pass
        sys.stdout, sys.stderr = streams
        _apply_globals({})           # the next in-process run starts from the defaults
    if argv is None:
        _interrupted_exit(code)
        sys.exit(int(code))
    return int(code)


def console() -> None:
    """The console script and `python -m binance_doctor`: `main`, then the process
    ends there (see `_leave`). A program that calls `main()` gets SystemExit, as ever."""
    code = main(sys.argv[1:])
    _interrupted_exit(code)
    _leave(code)


def _observed() -> bool:
    """Whether a profiler, tracer or monitoring tool (3.12's sys.monitoring, which
    cProfile and coverage use there) is set: they report at the teardown."""
    if sys.getprofile() or sys.gettrace():
        return True
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and any(monitoring.get_tool(i) for i in range(6))


def _interrupted_exit(code: int) -> None:
    if code == ExitCode.INTERRUPTED:
        # Worker threads may sit in a DNS lookup that cannot be cancelled: do not wait.
        os._exit(int(code))


def _leave(code: int) -> None:
    """End the process once all is said, as the interpreter ends it, but without the
    teardown: freeing every object one by one (the catalog, the wording index, a big
    scan's tables) took 23-34 ms after a scan of the 210 MB bench log (strace, from
    the last exit handler to exit_group) and a tenth of `explain -2010`'s instructions
    (callgrind). Threads are waited for and exit handlers run first, in the
    interpreter's order. A profiler or tracer (cProfile, coverage) reports at the
    teardown: then, or on a Python without these hooks, the interpreter ends it."""
    import atexit
    import threading

    threads = getattr(threading, "_shutdown", None)
    handlers = getattr(atexit, "_run_exitfuncs", None)
    if threads is None or handlers is None or _observed():
        sys.exit(code)
    threads()
    handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            # Said already (main reports output it could not write; a reader gone
            # away wanted no more): the interpreter would only say it again.
            pass
    os._exit(code)


def _run(args: list[str]) -> ExitCode:
    args, debug = _split_debug(args)
    as_json = "--json" in args and "--" not in args[:args.index("--json")]
    name = command_name(args)
    State.debug = debug or bool(os.environ.get("BINANCE_DOCTOR_DEBUG"))
    app = load_commands(args)
    if wants_help(args):
        unclipped_help()
    args, found = split_globals(args)
    try:
        _apply_globals(found)
    except click_errors.ClickException as e:
        _print_error(e.format_message(), _usage_hint(name), ExitCode.USAGE, as_json, name)
        return ExitCode.USAGE
    if State.quiet:                  # scripts that want only the exit code: no stdout
        sys.stdout = mask.MaskedStream(open(os.devnull, "w", encoding="utf-8"))
    if name == "explain":
        from binance_doctor.cli.explain import literal_words

        args = literal_words(args)
    try:
        alone = command_alone(app, args)
        if alone is not None:
            result = alone.main(args=args[1:], prog_name=f"binance-doctor {args[0]}",
                                standalone_mode=False, **(app.info.context_settings or {}))
        else:
            result = app(args=args, prog_name="binance-doctor", standalone_mode=False)
        if result == ExitCode.INTERRUPTED:
            # typer turns Ctrl-C into Exit(130) and, outside standalone mode, returns it.
            return _interrupted()
        return _exit_code(result) if isinstance(result, int) else ExitCode.OK
    except DoctorError as e:
        _print_error(e.message, e.hint, e.exit_code, as_json and not isinstance(
            e, OutputFailed), name)
        return e.exit_code
    except typer.Exit as e:
        if isinstance(e.__cause__, KeyboardInterrupt):
            return _interrupted()
        return _exit_code(e.exit_code)
    except ReaderGone:               # the reader has all it wants (`| head`)
        return ExitCode.OK
    except SystemExit as e:
        return _exit_code(e.code if isinstance(e.code, int) else 1)
    except click_errors.ClickException as e:
        if e.format_message():       # none after the help a bare group prints
            _print_error(e.format_message(), _usage_hint(name), ExitCode.USAGE, as_json, name)
        return ExitCode.USAGE
    except typer.Abort as e:
        if isinstance(e.__cause__, KeyboardInterrupt):
            return _interrupted()
        sys.stderr.write("binance-doctor: aborted\n")
        return ExitCode.INTERNAL
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as e:  # noqa: BLE001 - the last line of defence: no tracebacks
        if State.debug:
            import traceback

            traceback.print_exc(file=sys.stderr)     # through the masked stream
        _print_error(f"internal error: {type(e).__name__}: {e}",
                     "rerun with --debug for the traceback, and report it", ExitCode.INTERNAL,
                     as_json, name)
        return ExitCode.INTERNAL


def _usage_hint(name: str) -> str:
    return f"see `{name} --help`" if name == "binance-doctor" else \
        f"see `binance-doctor {name} --help`"


def _interrupted() -> ExitCode:
    sys.stderr.write("binance-doctor: interrupted\n")
    return ExitCode.INTERRUPTED
