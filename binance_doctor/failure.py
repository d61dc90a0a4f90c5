"""Exit codes and the errors that carry them.

Every way binance-doctor can end is named here, once. Core modules raise a
`DoctorError` subclass; the CLI entry point is the only place that turns one
into a message on stderr and an exit code. The README's exit-code table is
checked against `ExitCode` by a test, so the two cannot drift apart.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes. Values are part of the public interface: never renumber."""

    OK = 0
    INTERNAL = 1          # a bug in binance-doctor (traceback only with --debug)
    USAGE = 2             # bad flags or arguments (click's own code)
    NOT_FOUND = 3         # the code (or HTTP status) is not in the catalog
    BAD_INPUT = 4         # input that cannot be read: empty stdin, binary data, bad file
    NO_ERROR_FOUND = 5    # the input was read but holds no Binance error
    UNREACHABLE = 10      # DNS failure, connection refused, no route
    TLS = 11              # TLS handshake or certificate failure
    TIMEOUT = 12          # no answer in the time allowed
    RESTRICTED = 13       # HTTP 451: restricted location
    FORBIDDEN = 14        # HTTP 403: WAF or CDN block
    IP_BANNED = 15        # HTTP 418: the IP is banned for a while
    RATE_LIMITED = 16     # HTTP 429: too many requests
    SERVER_ERROR = 17     # HTTP 5xx or an unusable answer from the server
    CLOCK_REJECTED = 20   # a signed request sent now would fail with -1021
    KEY_PROBLEM = 21      # check-key found a problem with the key
    SIGNATURE_MISMATCH = 22  # the sent signature is not the one the key produces
    SECRET_MISSING = 23   # no secret or private key could be read
    NO_SUCH_FILE = 24     # a file given to scan does not exist or cannot be opened
    SOME_INPUTS_UNREADABLE = 25  # scan read some inputs but not others
    ORDER_WOULD_FAIL = 26  # check-order: a filter or account rule fails; Binance would reject
    CHECKS_FAILED = 27    # doctor found problems no single more specific code covers
    ORDER_STATUS_UNKNOWN = 28  # order-status: cannot yet tell whether the order was placed
    ORDER_NOT_FOUND = 29  # order-status: not placed; safe to resend with the same client order id
    CONFIG_INVALID = 30   # the config file or a profile in it is unreadable or wrong
    OUTPUT_FAILED = 31    # the output could not be written: a full disk, a closed stdout
    INTERRUPTED = 130     # Ctrl-C (128 + SIGINT, as shells report it)


class DoctorError(Exception):
    """An expected failure: printed as one line (plus a hint), never as a traceback."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, hint: str | None = None,
                 exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class NotFound(DoctorError):
    exit_code = ExitCode.NOT_FOUND


class BadInput(DoctorError):
    exit_code = ExitCode.BAD_INPUT


class BadOption(DoctorError):
    """An option's value is out of range or malformed: a usage error, like click's own."""

    exit_code = ExitCode.USAGE


class NoErrorFound(DoctorError):
    exit_code = ExitCode.NO_ERROR_FOUND


class ReaderGone(Exception):
    """The reader of the output went away (`| head`): it has all it wants, so the
    command stops there, quietly and with success. Not an OSError, so that nothing
    between the write and cli.main takes it for a failing input or file."""


class OutputFailed(DoctorError):
    """The output stream refused what was written (said on stderr, never on it)."""

    exit_code = ExitCode.OUTPUT_FAILED
