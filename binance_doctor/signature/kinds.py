"""The -1022 mistakes binance-doctor can name: stable ids, titles and fixes.

The value of each `Kind` is the JSON id (`mistakes[].kind`); the README's
mistake table lists them, and a test walks every member.
"""

from __future__ import annotations

from enum import Enum


class Kind(str, Enum):
    """The mistakes the search can name. The value is the stable JSON id."""

    UNENCODED_PAYLOAD = "unencoded_payload"
    ENCODING = "encoding_mismatch"
    DOUBLE_ENCODED = "double_encoded_payload"
    ORDER = "parameter_order"
    PARAM_ADDED = "param_added_after_signing"
    PARAM_NOT_SENT = "param_signed_not_sent"
    PARAM_CHANGED = "param_changed_after_signing"
    BODY_LEFT_OUT = "body_left_out"
    QUERY_LEFT_OUT = "query_left_out"
    JOINED_WITH_AMPERSAND = "query_body_joined_with_ampersand"
    SIGNATURE_SIGNED = "signature_in_signed_string"
    SIGNATURE_NOT_LAST = "signature_not_last"
    FLOAT_FORMAT = "float_format"
    NUMBER_QUOTED = "number_quoted"
    BOOLEAN_FORMAT = "boolean_format"
    URL_SIGNED = "url_in_signed_string"
    PAYLOAD_NEWLINE = "payload_trailing_newline"
    STRING_QUOTED = "string_quoted"
    EMPTY_PIECE = "empty_parameter_piece"
    JSON_BODY = "json_body"
    SECRET_WHITESPACE = "secret_whitespace"
    SECRET_TRUNCATED = "secret_truncated"
    SECRET_CASE = "secret_case"
    SECRET_DECODED = "secret_decoded"
    API_KEY_AS_SECRET = "api_key_as_secret"
    SIGNATURE_NOT_ENCODED = "signature_not_percent_encoded"
    SIGNATURE_DOUBLE_ENCODED = "signature_double_percent_encoded"
    WRONG_ALGORITHM = "wrong_algorithm"

    @property
    def title(self) -> str:
        return _TEXT[self][0]

    @property
    def fix(self) -> str:
        return _TEXT[self][1]


_TEXT = {
    Kind.UNENCODED_PAYLOAD: (
        "the payload was signed before it was percent-encoded",
        "Percent-encode the query string and body first, then sign exactly the encoded text "
        "(Binance rejects the other order with -1022 since 2026-01-15)."),
    Kind.ENCODING: (
        "a character was percent-encoded differently when signed than when sent",
        "Encode the parameters once and sign exactly the text you send; let one function "
        "build the string for both (a library that re-encodes the query after you signed "
        "it changes '@', spaces, brackets and quotes)."),
    Kind.DOUBLE_ENCODED: (
        "the payload was percent-encoded twice before signing",
        "Encode each value once; sign the text that goes on the wire, not an encoding of it."),
    Kind.ORDER: (
        "the parameters were signed in a different order than sent",
        "Build the query once and sign and send that same string; do not sort or rebuild it."),
    Kind.PARAM_ADDED: (
        "a parameter was added after signing",
        "Add every parameter (recvWindow, timestamp included) before computing the signature."),
    Kind.PARAM_NOT_SENT: (
        "a parameter was signed but not sent",
        "Send exactly the parameters you signed; nothing may be dropped after signing."),
    Kind.PARAM_CHANGED: (
        "a parameter was changed after signing",
        "Sign last: set timestamp and every other value, then sign, then send unchanged. "
        "A retry needs a new timestamp and a new signature."),
    Kind.BODY_LEFT_OUT: (
        "only the query string was signed; the body was left out",
        "Sign the query string followed directly by the body (no separator)."),
    Kind.QUERY_LEFT_OUT: (
        "only the body was signed; the query string was left out",
        "Sign the query string followed directly by the body (no separator)."),
    Kind.JOINED_WITH_AMPERSAND: (
        "the query and body were joined with '&' before signing",
        "Concatenate the query string and the body with no separator between them."),
    Kind.SIGNATURE_SIGNED: (
        "the signature parameter was part of the signed string",
        "Sign the payload without any signature parameter, then append signature=... ."),
    Kind.SIGNATURE_NOT_LAST: (
        "the signature is not the last parameter",
        "Append signature as the very last parameter; add nothing after it."),
    Kind.FLOAT_FORMAT: (
        "a number was rendered differently when signed than when sent",
        "Format numbers once, as plain decimal strings (0.00001, not 1e-05), and use that "
        "same text for signing and sending."),
    Kind.NUMBER_QUOTED: (
        "numbers were quoted in the signed string",
        "Sign the bare values (price=0.1), not JSON-style quoted ones (price=\"0.1\")."),
    Kind.BOOLEAN_FORMAT: (
        "a true/false value was written differently when signed than when sent",
        "Write booleans once, as Binance's docs do (true/false), and sign and send that "
        "same text (Python's str(True) gives 'True')."),
    Kind.URL_SIGNED: (
        "the path or the whole URL was part of the signed string",
        "Sign only the query string followed by the body; the host, the path and the '?' "
        "are not part of the payload."),
    Kind.PAYLOAD_NEWLINE: (
        "a newline was signed after the payload",
        "Sign the payload without a line end (echo -n, printf '%s', or strip the string)."),
    Kind.STRING_QUOTED: (
        "text values were quoted in the signed string",
        "Sign the bare values (symbol=BTCUSDT), not json.dumps output (symbol=\"BTCUSDT\")."),
    Kind.EMPTY_PIECE: (
        "empty parameters ('&&') differ between the signed and the sent string",
        "Build the query from the parameters once, without empty pieces, and sign and send "
        "that same string."),
    Kind.JSON_BODY: (
        "the body was sent as JSON instead of form-encoded",
        "Send the body as application/x-www-form-urlencoded (a=1&b=2); Binance reads "
        "parameters only from the query string and form bodies."),
    Kind.SECRET_WHITESPACE: (
        "the secret used for signing had extra characters around it",
        "Strip whitespace, newlines and quotes from the secret when you load it "
        "(files and env files often end with a newline)."),
    Kind.SECRET_DECODED: (
        "the secret was decoded (base64 or hex) before being used as the HMAC key",
        "Use the secret's text as it is (its UTF-8 bytes) as the HMAC key; Binance secrets "
        "are not base64 (code copied from another exchange's client often decodes them)."),
    Kind.SECRET_TRUNCATED: (
        "the secret used for signing was truncated",
        "Load the whole secret; check the copy, the config field length and any quoting."),
    Kind.SECRET_CASE: (
        "the secret used for signing had its letter case changed",
        "Use the secret exactly as Binance showed it: it is case-sensitive."),
    Kind.API_KEY_AS_SECRET: (
        "the API key was used as the secret",
        "Sign with the secret key; the API key only goes in the X-MBX-APIKEY header."),
    Kind.SIGNATURE_NOT_ENCODED: (
        "the base64 signature was not percent-encoded, so '+' arrived as a space",
        "Percent-encode the base64 signature before sending it (+ as %2B, / as %2F, = as %3D)."),
    Kind.SIGNATURE_DOUBLE_ENCODED: (
        "the signature was percent-encoded twice",
        "Percent-encode the signature once (e.g. do not pass an encoded value to "
        "--data-urlencode or to a library that encodes again)."),
    Kind.WRONG_ALGORITHM: (
        "the signing algorithm does not fit the key type",
        "HMAC secrets sign with HMAC-SHA256 (hex); RSA keys with PKCS#1 v1.5 SHA-256 "
        "(base64); Ed25519 keys with Ed25519 (base64)."),
}
