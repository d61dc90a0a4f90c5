"""The signing rule and the three signature kinds, held to Binance's published examples."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from binance_doctor.signature import signing
from binance_doctor.failure import ExitCode
from support import private_pem, signature_vectors

VECTORS = signature_vectors()


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_official_hmac_vectors_reproduce_their_published_signature(vector):
    payload = signing.payload(vector["query"], vector["body"])
    assert payload == vector["payload"]
    key = signing.hmac_key(vector["secret"])
    assert signing.sign(key, payload) == vector["signature"]


def test_query_and_body_are_joined_without_a_separator():
    assert signing.payload("a=1&b=2", "c=3") == "a=1&b=2c=3"


def test_the_signature_parameter_is_not_part_of_the_payload():
    assert signing.payload("a=1&signature=abc", "b=2&signature=def") == "a=1b=2"
    assert signing.without_signature("a=1&signature=x&b=2") == ("a=1&b=2", "x")


def test_percent_encoding_leaves_encoded_text_alone_and_encodes_the_rest():
    encoded = "symbol=%EF%BC%91&side=BUY"
    assert signing.percent_encode(encoded) == encoded
    assert signing.percent_encode("symbol=１&note=a b") == "symbol=%EF%BC%91&note=a%20b"
    assert signing.encode_params([("symbol", "１"), ("x", "a+b/c")]) == \
        "symbol=%EF%BC%91&x=a%2Bb%2Fc"


def test_hmac_comparison_ignores_case_and_base64_does_not():
    assert signing.same_signature(signing.Algorithm.HMAC, "abcdef", "ABCDEF")
    assert signing.same_signature(signing.Algorithm.RSA, "aB+/=", "aB+/=")
    assert not signing.same_signature(signing.Algorithm.ED25519, "aB+/=", "ab+/=")


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_rsa_and_ed25519_round_trip_and_verify_with_the_public_key(kind):
    key = signing.load_private_key(private_pem(kind))
    assert key.algorithm is signing.Algorithm(kind)
    message = "symbol=BTCUSDT&side=SELL&timestamp=1668481559918"
    sig = signing.sign(key, message)
    assert sig == signing.sign(key, message)          # both schemes are deterministic
    raw = base64.b64decode(sig)
    public = key.material.public_key()
    if kind == "rsa":
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        public.verify(raw, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    else:
        public.verify(raw, message.encode())
    wire = signing.encode_for_wire(key.algorithm, sig)
    assert "+" not in wire and "/" not in wire and signing.decode_from_wire(wire) == sig


def test_encrypted_pem_needs_the_right_passphrase():
    pem = private_pem("ed25519", passphrase="correct horse")
    with pytest.raises(signing.PassphraseNeeded) as e:
        signing.load_private_key(pem)
    assert e.value.exit_code is ExitCode.SECRET_MISSING
    with pytest.raises(signing.BadKey) as e:
        signing.load_private_key(pem, b"wrong")
    assert "passphrase" in e.value.message and "wrong" not in e.value.message
    key = signing.load_private_key(pem, b"correct horse")
    assert signing.sign(key, "a=1") == signing.sign(
        signing.load_private_key(private_pem("ed25519")), "a=1")


@pytest.mark.parametrize("pem,words", [
    (b"not a key at all", "not PEM"),
    (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "public key"),
    (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "could not be read"),
])
def test_unusable_key_files_are_bad_input(pem, words):
    with pytest.raises(signing.BadKey) as e:
        signing.load_private_key(pem)
    assert words in e.value.message and e.value.exit_code is ExitCode.BAD_INPUT


def test_key_repr_never_shows_the_material():
    key = signing.hmac_key("s3cr3t-value-xyz")
    assert "s3cr3t" not in repr(key) and "s3cr3t" not in str(key)


def test_hmac_signing_does_not_import_cryptography():
    code = ("import sys; from binance_doctor.signature import signing; "
            "signing.sign(signing.hmac_key('k'), 'a=1'); "
            "print('cryptography' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_rule_names_its_sources_and_what_it_does_not_settle():
    assert "2026-01-15" in signing.RULE and "non-ASCII" in signing.RULE
    assert signing.encode_non_ascii("a=１ b") == "a=%EF%BC%91 b"        # only non-ASCII
    assert signing.unsettled("a=[1]&b=x y&c=%20+d") == (" ", "[", "]")
    assert signing.percent_encode("a=[1]&b=x@y") == "a=%5B1%5D&b=x%40y"


def test_empty_pieces_are_kept_as_sent_when_the_signature_is_removed():
    assert signing.without_signature("a=1&&b=2&signature=x") == ("a=1&&b=2", "x")
