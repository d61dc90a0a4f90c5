"""check-key: every diagnosis reproduced against loopback mainnet and testnet servers.

Each scenario drives the CLI (`run_cli("check-key", ...)`) against two
FakeBinance instances with real signature, timestamp, IP and permission
checks (tests/fake/account.py), and asserts the specific cause and fix. Every
scenario also asserts that the servers saw only allowlisted GET requests.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from binance_doctor.key import check as keycheck
from binance_doctor.key import offline, probe, view
from binance_doctor.net import guard
from binance_doctor.failure import ExitCode
from fake.account import FakeAccounts, FakeKey
from fake.server import FakeBinance
from support import private_pem, run_cli
from support import check_golden

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
OTHER_SECRET = "Zq3xYv8Wn2Lk5Jh7Gf9Dd1Ss4Aa6Pp0Oo2Ii8Uu5Yy7Tt3Rr1Ee9Ww4Qq6Mm0Nn2"


def key_id(tag: str) -> str:
    return (tag * 64)[:64]


MAIN_KEY = key_id("Main7")
TEST_KEY = key_id("Test3")
ALL_PRODUCTS_WEIGHT = 3 + 1 + 20 + 5 + 1    # 3 clock samples, apiRestrictions, account, fapi, dapi


@pytest.fixture
def servers():
    """Mainnet and testnet on loopback, each with its own key set; read-only asserted after."""
    with FakeBinance() as main, FakeBinance() as test:
        mainnet = FakeAccounts(main, [FakeKey(MAIN_KEY, SECRET)])
        testnet = FakeAccounts(test, [FakeKey(TEST_KEY, SECRET)], sapi=False)
        yield mainnet, testnet
        for server in (main, test):
            for req in server.requests():
                assert guard.allowed(req.method, req.path), req


def urls(mainnet: FakeAccounts, testnet: FakeAccounts) -> list[str]:
    m, t = mainnet.server.url, testnet.server.url
    return ["--base-url", m, "--futures-base-url", m, "--delivery-base-url", m,
            "--testnet-base-url", t, "--testnet-futures-base-url", t,
            "--testnet-delivery-base-url", t]


def check_key(servers, *args: str, key: str = MAIN_KEY, secret: str | None = SECRET,
              env: dict | None = None):
    mainnet, testnet = servers
    environment = {"BINANCE_API_KEY": key, "BINANCE_API_SECRET": secret,
                   "BINANCE_PRIVATE_KEY_FILE": None, "BINANCE_PRIVATE_KEY_PASSPHRASE": None,
                   **(env or {})}
    run = run_cli("check-key", *urls(mainnet, testnet), *args, env=environment)
    for value in (SECRET, OTHER_SECRET, key):
        assert value not in run.stdout and value not in run.stderr, "a secret leaked"
    return run


def causes(run) -> dict:
    return {c["id"]: c for c in run.json()["result"]["causes"]}


def online(run) -> dict:
    return {c["id"]: c for c in run.json()["result"]["online"]}


# -- a healthy key ---------------------------------------------------------------------

def test_healthy_key_passes_every_check_and_reports_its_weight(servers):
    run = check_key(servers, "--json")
    assert run.code == ExitCode.OK, run.stdout + run.stderr
    result = run.json()["result"]
    assert result["causes"] == []
    assert {c["id"]: c["status"] for c in result["online"]} == {
        "online.clock": "ok", "online.restrictions": "ok", "online.spot": "ok",
        "online.usdm": "ok", "online.coinm": "ok"}
    assert result["account"] == {"canTrade": True, "canWithdraw": True, "canDeposit": True,
                                 "accountType": "SPOT", "permissions": ["SPOT"]}
    assert result["restrictions"]["enableFutures"] is True
    assert result["restrictions"]["createTime"] == 1_698_645_219_000
    assert result["weight"]["total"] == ALL_PRODUCTS_WEIGHT
    mainnet, testnet = servers
    assert len(mainnet.server.requests()) == 7 and testnet.server.requests() == []
    # omitZeroBalances keeps the account answer light
    assert mainnet.server.requests("/api/v3/account")[0].param("omitZeroBalances") == "true"


def test_healthy_key_plain_output(servers):
    run = check_key(servers)
    assert run.code == ExitCode.OK
    assert "✓ 64 letters and digits, the shape of a Binance API key" in run.stdout
    assert "No problem found" in run.stdout
    assert re.search(rf"Request weight\s+{ALL_PRODUCTS_WEIGHT} \(127\.0\.0\.1:\d+ "
                     rf"{ALL_PRODUCTS_WEIGHT}\) in 7 GET requests", run.stdout)


def test_product_narrows_the_requests(servers):
    run = check_key(servers, "--product", "usdm", "--json")
    assert run.code == ExitCode.OK
    paths = [r["path"] for r in run.json()["result"]["requests"]]
    assert sorted(set(paths)) == ["/api/v3/time", "/fapi/v3/balance",
                                  "/sapi/v1/account/apiRestrictions"]
    assert run.json()["result"]["weight"]["total"] == 3 + 1 + 5
    assert run_cli("check-key", "--product", "options",
                   env={"BINANCE_API_KEY": MAIN_KEY}).code == ExitCode.USAGE


@pytest.mark.parametrize("offset_ms", [-6_000, 4_000])
def test_clock_offset_is_measured_first_and_compensated(servers, offset_ms):
    """A clock seconds off would give -1021 and hide everything else; check-key corrects it."""
    mainnet, _ = servers
    mainnet.server.offset_ms = offset_ms
    run = check_key(servers, "--json")
    assert run.code == ExitCode.OK
    clock = online(run)["online.clock"]
    assert clock["status"] == "warn" and "-1021" in clock["fix"]
    measured = run.json()["result"]["clock"][0]["offset_ms"]
    assert abs(measured - offset_ms) < 500
    assert mainnet.server.requests()[0].path.endswith("/time")      # the clock comes first


# -- the diagnoses -----------------------------------------------------------------------

def test_ip_not_whitelisted_names_the_ip(servers):
    mainnet, testnet = servers
    mainnet.keys[MAIN_KEY].trusted_ips = ("203.0.113.7",)
    run = check_key(servers)
    assert run.code == ExitCode.KEY_PROBLEM
    assert "The IP 127.0.0.1 is not on this key's trusted-IP list" in run.stdout
    assert "Add 127.0.0.1 to the key's trusted IPs in API Management" in run.stdout
    assert "request ip: 127.0.0.1" in run.stdout
    assert testnet.server.requests() == []          # the key exists: no testnet probe


def test_futures_not_enabled_for_a_spot_key(servers):
    mainnet, _ = servers
    mainnet.keys[MAIN_KEY].restrictions["enableFutures"] = False
    run = check_key(servers, "--json")
    assert run.code == ExitCode.KEY_PROBLEM
    found = causes(run)
    assert list(found) == ["futures_disabled"]
    assert "created before the futures account was opened" in found["futures_disabled"]["why"]
    assert "Enable Futures" in found["futures_disabled"]["fix"]
    lines = online(run)
    assert lines["online.spot"]["status"] == "ok"
    assert lines["online.usdm"]["code"] == -2015 and lines["online.usdm"]["status"] == "bad"
    assert lines["online.usdm"]["cause"] == lines["online.coinm"]["cause"] == "futures_disabled"


def test_futures_screen_golden(servers):
    mainnet, _ = servers
    mainnet.keys[MAIN_KEY].restrictions["enableFutures"] = False
    run = check_key(servers)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", run.stdout)
    text = re.sub(r"PORT: .*; timestamps are corrected",
                  "PORT: (offset and bound vary); timestamps are corrected", text)
    check_golden("check_key_futures_disabled.txt", text)


def test_testnet_key_on_mainnet_is_a_mixup(servers):
    _, testnet = servers
    run = check_key(servers, key=TEST_KEY, env={"BINANCE_API_KEY": TEST_KEY})
    assert run.code == ExitCode.KEY_PROBLEM
    assert "This is a testnet key, used on mainnet" in run.stdout
    assert "but the testnet does (Spot account, USDⓈ-M futures, COIN-M futures)" in run.stdout
    assert "Point your program at the testnet" in run.stdout
    assert testnet.server.requests("/api/v3/account")          # probed only after rejection


def test_mainnet_key_on_testnet_is_a_mixup(servers):
    mainnet, testnet = servers
    run = check_key(servers, "--testnet", "--json")
    assert run.code == ExitCode.KEY_PROBLEM
    found = causes(run)
    assert found["testnet_mixup"]["title"] == "This is a mainnet key, used on testnet"
    result = run.json()["result"]
    assert result["probe"]["network"] == "mainnet"
    # the mainnet probe costs one clock measurement and apiRestrictions (weight 1)
    assert [r.path for r in mainnet.server.requests()][-1] == probe.CALLS["restrictions"].path
    assert not testnet.server.requests("/sapi/v1/account/apiRestrictions")


def test_unknown_key_everywhere(servers):
    run = check_key(servers, key=key_id("Gone9"), env={"BINANCE_API_KEY": key_id("Gone9")},
                    )
    assert run.code == ExitCode.KEY_PROBLEM
    assert "Binance mainnet does not know this API key" in run.stdout
    assert "(nor does the testnet)" in run.stdout
    assert "key and the secret were swapped" in run.stdout
    assert "-2008: Invalid Api-Key ID." in run.stdout


def test_wrong_secret_points_to_signature_verify(servers):
    run = check_key(servers, secret=OTHER_SECRET, env={"BINANCE_API_SECRET": OTHER_SECRET})
    assert run.code == ExitCode.KEY_PROBLEM
    assert "The secret does not belong to this API key" in run.stdout
    assert "binance-doctor signature verify" in run.stdout
    assert "-1022: Signature for this request is not valid." in run.stdout


def test_malformed_key_offline_and_online(servers):
    short = MAIN_KEY[:40] + "-_"
    run = check_key(servers, "--json", key=short, env={"BINANCE_API_KEY": short})
    assert run.code == ExitCode.KEY_PROBLEM
    result = run.json()["result"]
    shape = next(c for c in result["offline"] if c["id"] == "api_key.shape")
    assert shape["status"] == "bad" and "42 characters including punctuation" in shape["detail"]
    assert online(run)["online.spot"]["code"] == -2014
    assert causes(run)["malformed_key"]["title"] == "The API key is malformed"


def test_trading_authority_expired(servers):
    mainnet, _ = servers
    mainnet.keys[MAIN_KEY].restrictions["tradingAuthorityExpirationTime"] = 1_600_000_000_000
    run = check_key(servers)
    assert run.code == ExitCode.KEY_PROBLEM
    assert "Trading authority expired on 2020-09-13 12:26 UTC" in run.stdout
    assert "enable spot and margin trading again" in run.stdout


def test_trading_authority_in_the_future_is_only_information(servers):
    mainnet, _ = servers
    later = int(time.time() * 1000) + 30 * 86_400_000
    mainnet.keys[MAIN_KEY].restrictions["tradingAuthorityExpirationTime"] = later
    run = check_key(servers, "--json")
    assert run.code == ExitCode.OK
    assert online(run)["restrictions.trading_expiry"]["status"] == "info"


def test_withdrawals_without_ip_restriction_is_a_security_warning(servers):
    mainnet, _ = servers
    mainnet.keys[MAIN_KEY].restrictions["enableWithdrawals"] = True
    run = check_key(servers, "--json")
    assert run.code == ExitCode.OK                   # a warning, not a broken key
    found = causes(run)["withdrawals_unrestricted"]
    assert found["status"] == "warn" and "trusted IPs" in found["fix"]
    mainnet.keys[MAIN_KEY].trusted_ips = ("127.0.0.1",)
    assert "withdrawals_unrestricted" not in causes(check_key(servers, "--json"))


def test_reading_disabled(servers):
    mainnet, _ = servers
    mainnet.keys[MAIN_KEY].restrictions["enableReading"] = False
    run = check_key(servers, "--json")
    assert run.code == ExitCode.KEY_PROBLEM
    assert online(run)["online.spot"]["cause"] == "reading_disabled"


@pytest.mark.parametrize("kind,code,words", [
    ("restricted", ExitCode.RESTRICTED, "HTTP 451"),
    ("ban", ExitCode.IP_BANNED, "HTTP 418: this IP is banned"),
    ("rate_limit", ExitCode.RATE_LIMITED, "HTTP 429"),
])
def test_451_418_429_are_explained_and_never_retried(servers, kind, code, words):
    mainnet, testnet = servers
    mainnet.server.fail("/sapi/v1/account/apiRestrictions", kind)
    run = check_key(servers)
    assert run.code == code
    assert words in run.stdout
    assert len(mainnet.server.requests("/sapi/v1/account/apiRestrictions")) == 1
    # the first signed read goes alone: after its 451/418/429 nothing else is sent
    assert [r.path for r in mainnet.server.requests()][3:] == ["/sapi/v1/account/apiRestrictions"]
    assert testnet.server.requests() == []
    assert "not sent: Binance answered HTTP" in run.stdout


def test_halt_on_the_clock_sends_no_signed_request(servers):
    mainnet, _ = servers
    mainnet.server.fail("/api/v3/time", "rate_limit")
    run = check_key(servers, "--json")
    assert run.code == ExitCode.RATE_LIMITED
    assert [r.path for r in mainnet.server.requests()] == ["/api/v3/time"]
    assert {c["status"] for c in run.json()["result"]["online"][1:]} == {"skip"}


def test_unreachable_host(servers):
    from fake.server import closed_port

    mainnet, testnet = servers
    run = run_cli("check-key", *urls(mainnet, testnet), "--futures-base-url",
                  f"http://127.0.0.1:{closed_port()}", "--json",
                  env={"BINANCE_API_KEY": MAIN_KEY, "BINANCE_API_SECRET": SECRET})
    assert run.code == ExitCode.UNREACHABLE
    assert online(run)["online.usdm"]["status"] == "skip"
    assert online(run)["online.coinm"]["status"] == "ok"


# -- RSA and Ed25519 keys ------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_asymmetric_keys_are_verified(servers, kind, tmp_path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    mainnet, _ = servers
    pem = private_pem(kind)
    public = load_pem_private_key(pem, None).public_key()
    mainnet.keys[MAIN_KEY] = FakeKey(MAIN_KEY, public_key=public)
    path = tmp_path / "key.pem"
    path.write_bytes(pem)
    run = check_key(servers, "--private-key", str(path), "--json", secret=None)
    assert run.code == ExitCode.OK, run.stdout
    assert run.json()["result"]["key"]["algorithm"] == kind
    # the same API key with a different private key: the signature does not verify
    from cryptography.hazmat.primitives.asymmetric import ed25519

    mainnet.keys[MAIN_KEY] = FakeKey(MAIN_KEY,
                                     public_key=ed25519.Ed25519PrivateKey.generate().public_key())
    run = check_key(servers, "--private-key", str(path), secret=None)
    assert run.code == ExitCode.KEY_PROBLEM
    assert "The private key does not belong to this API key" in run.stdout


def test_encrypted_private_key_uses_the_passphrase(servers, tmp_path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    mainnet, _ = servers
    mainnet.keys[MAIN_KEY] = FakeKey(
        MAIN_KEY, public_key=load_pem_private_key(private_pem("ed25519"), None).public_key())
    path = tmp_path / "key.pem"
    path.write_bytes(private_pem("ed25519", passphrase="horse battery"))
    run = check_key(servers, "--private-key", str(path), secret=None,
                    env={"BINANCE_PRIVATE_KEY_PASSPHRASE": "horse battery"})
    assert run.code == ExitCode.OK
    assert "horse battery" not in run.stdout
    missing = check_key(servers, "--private-key", str(path), secret=None)
    assert missing.code == ExitCode.SECRET_MISSING


# -- offline checks ---------------------------------------------------------------------

def test_stray_characters_in_key_and_secret_are_named_and_removed(servers, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("\ufeff" + SECRET + "\n", encoding="utf-8")
    raw_key = f'"{MAIN_KEY}"\n'
    run = check_key(servers, "--secret-file", str(secret_file), "--json", key=raw_key,
                    secret=None, env={"BINANCE_API_KEY": raw_key})
    # Cleaned, the pair works; but the program still sends the raw key: a finding.
    assert run.code == ExitCode.KEY_PROBLEM, run.stdout
    ids = {c["id"]: c for c in run.json()["result"]["offline"]}
    assert "trailing newline" in ids["api_key.whitespace"]["detail"]
    assert ids["api_key.whitespace"]["status"] == "bad"
    assert ids["api_key.quotes"]["status"] == "bad"
    assert {c["id"]: c["status"] for c in run.json()["result"]["online"]}["online.spot"] == "ok"
    assert ids["secret.bom"]["status"] == "warn" and "-1022" in ids["secret.bom"]["fix"]
    assert ids["secret.note"]["detail"] == "whitespace around the secret was removed"
    assert ids["secret.shape"]["status"] == "ok"


def test_bom_in_the_api_key(servers):
    raw_key = "\ufeff" + MAIN_KEY
    run = check_key(servers, "--json", key=raw_key, env={"BINANCE_API_KEY": raw_key})
    assert run.code == ExitCode.KEY_PROBLEM
    assert any(c["id"] == "api_key.bom" for c in run.json()["result"]["offline"])


def test_pem_in_the_secret_variable(servers):
    pem = private_pem("ed25519").decode()
    run = check_key(servers, "--json", secret=pem, env={"BINANCE_API_SECRET": pem})
    assert run.code == ExitCode.KEY_PROBLEM
    offline = {c["id"]: c for c in run.json()["result"]["offline"]}
    assert offline["secret.pem"]["status"] == "bad"
    assert "--private-key" in offline["secret.pem"]["fix"]
    assert "PRIVATE KEY" not in run.stdout


def test_key_and_secret_the_same(servers):
    run = check_key(servers, "--json", secret=MAIN_KEY, env={"BINANCE_API_SECRET": MAIN_KEY})
    assert run.code == ExitCode.KEY_PROBLEM
    offline = {c["id"]: c for c in run.json()["result"]["offline"]}
    assert offline["secret.same_as_key"]["detail"] == "the API key and the secret are the same value"


def test_hmac_secret_given_as_private_key_file(servers, tmp_path):
    path = tmp_path / "secret.pem"
    path.write_text(SECRET + "\n")
    run = check_key(servers, "--private-key", str(path), secret=None)
    assert run.code == ExitCode.BAD_INPUT
    assert "holds a 64-character HMAC secret" in run.stderr and "--secret-file" in run.stderr
    assert servers[0].server.requests() == []


def test_secret_on_the_command_line_warns_about_history(servers):
    run = check_key(servers, "--secret", SECRET, secret=None)
    assert run.code == ExitCode.OK
    assert "shell history" in run.stdout


def test_missing_credentials(servers):
    mainnet, testnet = servers
    no_secret = run_cli("check-key", *urls(mainnet, testnet),
                        env={"BINANCE_API_KEY": MAIN_KEY, "BINANCE_API_SECRET": None})
    assert no_secret.code == ExitCode.SECRET_MISSING
    no_key = run_cli("check-key", *urls(mainnet, testnet),
                     env={"BINANCE_API_KEY": None, "BINANCE_API_SECRET": SECRET})
    assert no_key.code == ExitCode.USAGE and "BINANCE_API_KEY" in no_key.stderr
    assert mainnet.server.requests() == []


def test_binance_us_hint():
    settings = probe.settings_for(
        False, probe.Network("mainnet", "https://api.binance.us", "https://api.binance.us",
                                "https://api.binance.us"), probe.TESTNET)
    (hint,) = offline.inspect_urls(settings)
    assert "Binance.US, a separate exchange" in hint.detail
    # and no futures request is planned against binance.us
    calls = probe._calls(settings.network, settings.products, probe=False)
    assert [c.id for c in calls] == ["restrictions", "spot"]


def test_bad_base_url_is_a_usage_error():
    run = run_cli("check-key", "--base-url", "ftp://x", env={"BINANCE_API_KEY": MAIN_KEY,
                                                              "BINANCE_API_SECRET": SECRET})
    assert run.code == ExitCode.USAGE


# -- the read-only guarantee (the guard itself: test_net_guard.py) ---------------------

def test_every_call_is_allowlisted():
    assert all(guard.allowed(probe.READ_ONLY_METHOD, c.path) for c in probe.CALLS.values())


def test_rich_rendering_of_a_report(servers):
    """On a terminal the same blocks become rich panels and a table."""
    import io

    from rich.console import Console

    from binance_doctor import credential
    from binance_doctor.output import render
    from binance_doctor.net import transport

    mainnet, testnet = servers
    mainnet.keys[MAIN_KEY].restrictions["enableFutures"] = False
    settings = probe.settings_for(
        False, probe.Network("mainnet", *[mainnet.server.url] * 3),
        probe.Network("testnet", *[testnet.server.url] * 3), ("usdm",))
    creds = credential.read(api_key=MAIN_KEY, env={"BINANCE_API_SECRET": SECRET},
                            interactive=False)
    with transport.make_client(5) as client:
        report = keycheck.check(creds, MAIN_KEY, settings, client)
    console = Console(width=100, file=io.StringIO(), color_system=None)
    render.write_rich(view.blocks(report), console)
    text = console.file.getvalue()
    assert "✗ Futures are not enabled for this key" in text and "enableFutures" in text
    assert "╭" in text and SECRET not in text


def test_full_run_on_three_hosts_costs_weight_36():
    """As on mainnet: spot, USDⓈ-M and COIN-M on separate hosts, each clock measured."""
    with FakeBinance() as spot, FakeBinance() as fapi, FakeBinance() as dapi, \
            FakeBinance() as test:
        for server in (spot, fapi, dapi):
            FakeAccounts(server, [FakeKey(MAIN_KEY, SECRET)])
        fapi.offset_ms = 3_000                   # each host's own clock is used for its requests
        run = run_cli("check-key", "--base-url", spot.url, "--futures-base-url", fapi.url,
                      "--delivery-base-url", dapi.url, "--testnet-base-url", test.url,
                      "--testnet-futures-base-url", test.url,
                      "--testnet-delivery-base-url", test.url, "--json",
                      env={"BINANCE_API_KEY": MAIN_KEY, "BINANCE_API_SECRET": SECRET})
    assert run.code == ExitCode.OK, run.stdout
    weight = run.json()["result"]["weight"]
    assert weight["total"] == 36
    assert sorted(weight["by_host"].values()) == [4, 8, 24]


def test_console_script_runs_check_key(servers):
    """One real process: the installed script, environment credentials, exit code 21."""
    import os
    import subprocess
    import sys

    mainnet, testnet = servers
    mainnet.keys[MAIN_KEY].trusted_ips = ("203.0.113.7",)
    script = Path(sys.executable).parent / "binance-doctor"
    env = {**os.environ, "BINANCE_API_KEY": MAIN_KEY, "BINANCE_API_SECRET": SECRET}
    proc = subprocess.run([str(script), "check-key", *urls(mainnet, testnet)], env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == ExitCode.KEY_PROBLEM, proc.stderr
    assert "The IP 127.0.0.1 is not on this key's trusted-IP list" in proc.stdout
    assert SECRET not in proc.stdout + proc.stderr and MAIN_KEY not in proc.stdout
    assert "\x1b[" not in proc.stdout + proc.stderr


def test_a_key_with_a_trailing_newline_is_a_finding_not_a_silent_repair(servers):
    raw_key = MAIN_KEY + "\n"
    run = check_key(servers, key=raw_key, env={"BINANCE_API_KEY": raw_key})
    assert run.code == ExitCode.KEY_PROBLEM
    assert "has a trailing newline" in run.stdout and "your program sends it" in run.stdout
