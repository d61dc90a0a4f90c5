"""No secret ever reaches the output: every command and error path, text and JSON.

The environment holds a recognisable API key and secret; the same values, a
PEM private key and secret-shaped tokens are fed in as arguments, stdin and
files. Every byte of stdout and stderr is then searched for any 12-character
piece of them.
"""

from __future__ import annotations


from binance_doctor.errors import diagnosis
from support import private_pem, run_cli

SECRET = "Zq8TnW3xKp5Lr7Vb2Hc9Dm4Fg6Jk1Ys0Ua3Ei5Ow7Qt9Xv2Nb4Mc6Pz8Ry1Sa3Gd"
API_KEY = "Hb7Xk2Lm9Qw4Er6Ty1Ui3Op5As8Df0Gh2Jk4Lz6Xc8Vb1Nm3Qa5Ws7Ed9Rf2Tg4Y"
OTHER = "Pl0Ok9Ij8Uh7Yg6Tf5Rd4Es3Wa2Qz1Xs2Cd3Vf4Bg5Nh6Mj7Ki8Lo9Pm0Nb1Vc2X"   # key-shaped, in no env
PEM = private_pem("ed25519").decode()
ENV = {"BINANCE_API_SECRET": SECRET, "BINANCE_API_KEY": API_KEY}
DEAD = "http://127.0.0.1:9"        # nothing listens: connection refused, at once
NETWORK = ["--base-url", DEAD, "--futures-base-url", DEAD, "--delivery-base-url", DEAD,
           "--timeout", "2"]


def _pieces(value: str, size: int = 12) -> set[str]:
    return {value[i:i + size] for i in range(0, len(value) - size + 1)}


PEM_BODY = "".join(line for line in PEM.splitlines() if not line.startswith("-----"))
FORBIDDEN = _pieces(SECRET) | _pieces(API_KEY) | _pieces(OTHER) | _pieces(PEM_BODY)


def assert_clean(run) -> None:
    for where, text in (("stdout", run.stdout), ("stderr", run.stderr)):
        flat = text.replace("\n", "")
        leaked = sorted(p for p in FORBIDDEN if p in text or p in flat)
        assert not leaked, f"{where} leaks {leaked[:3]}:\n{text}"


def _cases(tmp):
    log = tmp / "bot.log"
    log.write_text(f'X-MBX-APIKEY: {API_KEY}\n{{"code":-2015,"msg":"Invalid API-key, IP, or '
                   f'permissions for action, request ip: 1.2.3.4"}} secret={SECRET}\n{PEM}\n')
    pem_file = tmp / "key.pem"
    pem_file.write_text(PEM)
    secret_file = tmp / "secret"
    secret_file.write_text(SECRET + "\n")
    url = "https://api.binance.com/api/v3/account?timestamp=1&signature=" + "ab" * 32
    yield ["explain", SECRET], None
    yield ["explain", "zz " + API_KEY + " zz" * 40], None
    yield ["explain", "--json", SECRET], None
    yield ["explain", OTHER], None
    yield ["explain", PEM], None
    yield ["explain", "--json", PEM], None
    yield ["explain", "-"], f"nothing known here {SECRET} {API_KEY}\n{PEM}"
    yield ["explain", "--json", "-"], f"apiKey={API_KEY}\n{PEM}"
    yield ["explain"], '{"code":-2015,"msg":"Invalid API-key ' + API_KEY + '"}'
    yield ["explain", "--" + SECRET], None
    yield ["explain", "--product", SECRET, "-1021"], None
    yield ["codes", "--search", SECRET], None
    yield ["codes", "--product", API_KEY], None
    yield ["scan", str(log)], None
    yield ["scan", "--json", str(log)], None
    yield ["scan", "--jsonl", str(log)], None
    yield ["scan", "-"], f"apikey: {API_KEY} {SECRET}\n"
    yield ["scan", SECRET], None
    yield ["scan", str(tmp / API_KEY)], None
    yield ["clock", "--base-url", SECRET], None
    yield ["clock", "--base-url", f"{DEAD}/{SECRET}", "--no-ntp", "--timeout", "2"], None
    yield ["clock", "--ntp-server", API_KEY], None
    yield ["clock", "--samples", SECRET], None
    yield ["clock", "--json", "--product", SECRET], None
    yield ["check-key", *NETWORK], None
    yield ["check-key", "--json", *NETWORK], None
    yield ["check-key", "--secret-file", SECRET, *NETWORK], None
    yield ["check-key", "--private-key", SECRET, *NETWORK], None
    yield ["check-key", "--private-key", PEM, *NETWORK], None
    yield ["check-key", "--secret-file", str(secret_file), "--api-key", OTHER, *NETWORK], None
    yield ["check-key", "--private-key", str(pem_file), "--json", *NETWORK], None
    yield ["check-key", "--api-key", SECRET + "\n", *NETWORK], None
    yield ["signature", "verify", url], None
    yield ["signature", "verify", "--json", url], None
    yield ["signature", "sign", url], None
    yield ["signature", "sign", "--json", url], None
    yield ["signature", "sign", "--secret-file", SECRET, url], None
    yield ["signature", "sign", "--private-key", SECRET, url], None
    yield ["signature", "sign", "--private-key", str(pem_file), url], None
    yield ["signature", "verify", "--secret", OTHER, url], None
    yield ["signature", "verify", f"curl -H 'X-MBX-APIKEY: {OTHER}' '{url}'"], None
    yield ["signature", "verify", "-"], f"{SECRET}\n"
    yield ["signature", "sign", "--query", f"apiKey={OTHER}&timestamp=1"], None
    yield ["doctor", "--no-ntp", *NETWORK], None
    yield ["doctor", "--no-ntp", "--json", "--secret-file", SECRET, *NETWORK], None
    yield ["doctor", "--no-ntp", "--private-key", PEM, "--api-key", OTHER, *NETWORK], None
    yield ["order-status", "BTCUSDT", "--client-order-id", SECRET, "--base-url", DEAD,
           "--timeout", "2"], None
    yield ["order-status", "BTCUSDT", "--order-id", "1", "--secret-file", SECRET,
           "--base-url", DEAD, "--timeout", "2", "--json"], None
    yield ["check-order", "--exchange-info", SECRET, "BTCUSDT", "BUY", "LIMIT"], None
    yield ["check-order", "-"], f"{url}&apiKey={API_KEY}\n{SECRET}"
    yield ["completion", SECRET], None
    yield [SECRET], None
    yield ["--json", API_KEY], None


def test_no_command_or_error_path_prints_a_secret(tmp_path):
    for args, stdin in _cases(tmp_path):
        assert_clean(run_cli(*args, input=stdin, env=ENV))
        assert_clean(run_cli(*args, "--debug", input=stdin, env=ENV))


def test_a_traceback_under_debug_is_masked(monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError(f"failed with {SECRET} and {OTHER}\n{PEM}")

    monkeypatch.setattr(diagnosis, "explain_text", boom)
    run = run_cli("explain", "--debug", "-1021", env=ENV)
    assert run.code == 1 and "Traceback" in run.stderr and "RuntimeError" in run.stderr
    assert_clean(run)


def test_masking_happens_before_cutting():
    """The no-match message is cut to 80 characters; a key must not survive in pieces."""
    run = run_cli("explain", "the bot logged in with key " + OTHER + " and then failed", env={})
    assert run.code == 5 and "***" in run.stderr
    assert_clean(run)


def test_a_secret_given_as_a_path_is_named_as_a_secret_not_echoed():
    run = run_cli("check-key", "--secret-file", SECRET, *NETWORK, env=ENV)
    assert run.code == 4
    assert "looks like a secret, not a file path" in run.stderr
    assert "BINANCE_API_SECRET" in run.stderr
    assert_clean(run)


def test_a_secret_split_over_writes_is_still_masked():
    import io

    from binance_doctor.output import mask

    out = io.StringIO()
    stream = mask.MaskedStream(out, mask.Secrets())
    for part in (SECRET[:10], SECRET[10:40], SECRET[40:] + " done\n", "-----BEGIN PRIVATE KEY",
                 "-----\nAAAA\n", "BBBB\n-----END PRIVATE KEY-----\nafter\n"):
        stream.write(part)
    stream.flush()
    assert SECRET[:12] not in out.getvalue() and "AAAA" not in out.getvalue()
    assert "*** done" in out.getvalue() and "after" in out.getvalue()


def test_stream_without_a_buffer_so_nothing_writes_around_the_mask():
    import io

    from binance_doctor.output import mask

    assert not hasattr(mask.MaskedStream(io.StringIO()), "buffer")


def test_a_copyable_signature_is_not_masked():
    """RSA signatures are base64: runs of 64 letters and digits inside them are not keys."""
    from binance_doctor.output import mask

    blob = "+" + "a1B2" * 16 + "/" + "C3d4" * 16 + "=="
    hexsig = "ab" * 32
    text = f"signature {blob} sent as %2B{'a1B2' * 16}%2F and {hexsig}\n"
    assert mask.Secrets().mask(text) == text


def test_the_run_table_marks_exactly_the_ascii_letters_and_digits():
    from binance_doctor.output import mask

    assert mask._RUNS == bytes(97 if chr(b).isascii() and chr(b).isalnum() else 32
                               for b in range(256))
