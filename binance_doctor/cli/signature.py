"""`signature verify` / `signature sign`: re-derive a request's signature and name the mistake (-1022)."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from binance_doctor.cli.root import (
    ApiKeyOption,
    JsonOption,
    PrivateKeyOption,
    SecretFileOption,
    SecretOption,
    app,
    click_errors,
    read_stdin,
)
from binance_doctor.failure import ExitCode

EPILOG_SIGNATURE_VERIFY = """Examples:

  export BINANCE_API_SECRET=...        (or --secret-file FILE, or the hidden prompt)

  binance-doctor signature verify 'https://api.binance.com/api/v3/order?symbol=...&signature=...'

  binance-doctor signature verify "$(cat failing-curl.txt)"

  binance-doctor signature verify --query 'symbol=...&timestamp=...' --body '...&signature=...'

  binance-doctor signature verify 'https://api.binance.com/api/v3/order?timestamp=...' --body 'symbol=...&signature=...'

  binance-doctor signature verify - < captured-http-request.txt

  binance-doctor signature verify --private-key ed25519.pem - < request.txt
"""

EPILOG_SIGNATURE_SIGN = """Examples:

  binance-doctor signature sign 'https://api.binance.com/api/v3/order?symbol=LTCBTC&side=BUY&timestamp=1499827319559'

  binance-doctor signature sign --query 'symbol=BTCUSDT&timestamp=1591702613943' --private-key rsa.pem
"""

signature_app = typer.Typer(
    name="signature", no_args_is_help=True,
    help="Re-derive request signatures: find why Binance said -1022 INVALID_SIGNATURE.",
    context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(signature_app, name="signature")

RequestArgument = typer.Argument(
    None, metavar="[URL|CURL|-]",
    help="The request as sent: a full URL (with --body for a POST), a curl command line "
         "(one quoted argument), a raw HTTP request (request line, headers, body), or - to "
         "read any of these from stdin.")
QueryOption = typer.Option(None, "--query", "-q", help="The query string as sent (no '?').")
BodyOption = typer.Option(None, "--body", "-b", help="The request body as sent.")
MethodOption = typer.Option(None, "--method", "-X", help="HTTP method (default: POST with a "
                                                           "body, else GET).")


def _sent_request(text: Optional[str], query: Optional[str], body: Optional[str],
                  method: Optional[str]):
    from binance_doctor.signature import request

    if text is not None and query is not None:
        raise click_errors.UsageError("give the request either as URL/curl/HTTP or as "
                                      "--query/--body, not both")
    if text is None and (query is not None or body is not None):
        return request.from_parts((query or "").lstrip("?"), body or "", method)
    sent = request.parse(read_stdin() if text in (None, "-") else text, method)
    if body is None:
        return sent
    if sent.source != "url":
        raise click_errors.UsageError("--body goes with a URL; a curl command or an HTTP "
                                      "request carries its own body")
    return request.from_parts(sent.query, body, method, sent.url, source="url")


def _request_and_credentials(text, query, body, method, api_key, secret_file, secret,
                             private_key):
    """The sent request and the credentials; every secret value is remembered for masking."""
    from binance_doctor import credential
    from binance_doctor.output import mask

    request = _sent_request(text, query, body, method)
    creds = credential.read(api_key=api_key, secret_file=secret_file, secret=secret,
                            private_key=private_key)
    for note in creds.notes:
        sys.stderr.write(f"binance-doctor: warning: {note}\n")
    # The printing choke point (cli.main) masks every value remembered here.
    mask.SECRETS.remember(*creds.secrets, request.api_key)
    return request, creds


def _write(command: str, payload, blocks, as_json: bool) -> None:
    from binance_doctor.output import render

    if as_json:
        render.write_json(command, payload)
    else:
        render.write(blocks)


@signature_app.command("verify", epilog=EPILOG_SIGNATURE_VERIFY)
def signature_verify(
    sent: Optional[str] = RequestArgument,
    query: Optional[str] = QueryOption,
    body: Optional[str] = BodyOption,
    method: Optional[str] = MethodOption,
    signature: Optional[str] = typer.Option(
        None, "--signature", "-s", help="The signature that was sent, if not in the request."),
    api_key: Optional[str] = ApiKeyOption,
    secret_file: Optional[str] = SecretFileOption,
    secret: Optional[str] = SecretOption,
    private_key: Optional[str] = PrivateKeyOption,
    as_json: bool = JsonOption,
) -> int:
    """Diagnose a sent request: is its signature right, and if not, which mistake made it."""
    from binance_doctor.signature import mistake
    from binance_doctor.signature import view as signatureview

    request, creds = _request_and_credentials(sent, query, body, method, api_key,
                                                       secret_file, secret, private_key)
    verdict = mistake.verify(request, creds.key, creds.api_key, signature)
    _write("signature verify",
                    signatureview.verdict_json(verdict, creds.source),
                    signatureview.verdict_blocks(verdict, creds.source), as_json)
    return ExitCode.OK if verdict.ok else ExitCode.SIGNATURE_MISMATCH


@signature_app.command("sign", epilog=EPILOG_SIGNATURE_SIGN)
def signature_sign(
    sent: Optional[str] = RequestArgument,
    query: Optional[str] = QueryOption,
    body: Optional[str] = BodyOption,
    method: Optional[str] = MethodOption,
    api_key: Optional[str] = ApiKeyOption,
    secret_file: Optional[str] = SecretFileOption,
    secret: Optional[str] = SecretOption,
    private_key: Optional[str] = PrivateKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Print a request's canonical payload, its correct signature and a ready curl line."""
    from binance_doctor.signature import mistake
    from binance_doctor.signature import view as signatureview

    request, creds = _request_and_credentials(sent, query, body, method, api_key,
                                                       secret_file, secret, private_key)
    signed = mistake.sign_request(request, creds.key)
    _write("signature sign", signatureview.signed_json(signed),
                    signatureview.signed_blocks(signed, creds.source), as_json)
