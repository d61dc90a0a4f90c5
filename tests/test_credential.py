"""Where credentials come from, and that they never show."""

from __future__ import annotations

import pytest

from binance_doctor import credential
from binance_doctor.signature import signing
from binance_doctor.failure import ExitCode
from support import private_pem

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def no_prompt(_: str) -> str:
    raise AssertionError("must not prompt")


def test_secret_from_the_environment_and_api_key_from_the_flag():
    creds = credential.read(api_key="KEY1234", env={"BINANCE_API_SECRET": SECRET},
                            interactive=False, prompt=no_prompt)
    assert creds.algorithm is signing.Algorithm.HMAC and creds.api_key == "KEY1234"
    assert creds.source == "BINANCE_API_SECRET" and creds.notes == ()
    assert creds.key.material == SECRET.encode()


def test_api_key_from_the_environment():
    creds = credential.read(env={"BINANCE_API_KEY": " K ", "BINANCE_API_SECRET": SECRET},
                            interactive=False)
    assert creds.api_key == "K"


def test_secret_file_with_trailing_newline_and_quotes_is_cleaned_and_said(tmp_path):
    path = tmp_path / "secret"
    path.write_text(f'"{SECRET}"\n')
    creds = credential.read(secret_file=str(path), env={}, interactive=False)
    assert creds.key.material == SECRET.encode()
    assert any("quotes" in n for n in creds.notes) and any("whitespace" in n for n in creds.notes)
    assert all(SECRET not in n for n in creds.notes)


def test_secret_on_the_command_line_works_with_a_history_warning():
    creds = credential.read(secret=SECRET, env={}, interactive=False)
    assert creds.key.material == SECRET.encode()
    assert credential.HISTORY_WARNING in creds.notes


def test_prompt_only_when_interactive():
    asked = []
    creds = credential.read(env={}, interactive=True,
                            prompt=lambda text: asked.append(text) or SECRET)
    assert asked and creds.source == "prompt"
    with pytest.raises(credential.SecretMissing) as e:
        credential.read(env={}, interactive=False, prompt=no_prompt)
    assert e.value.exit_code is ExitCode.SECRET_MISSING


def test_empty_secret_is_missing():
    with pytest.raises(credential.SecretMissing):
        credential.read(env={"BINANCE_API_SECRET": "  "}, interactive=True, prompt=lambda _: "")


@pytest.mark.parametrize("problem", ["missing", "directory"])
def test_unreadable_secret_file_is_bad_input(tmp_path, problem):
    path = tmp_path / "nope"
    if problem == "directory":
        path.mkdir()
    with pytest.raises(credential.BadInput) as e:
        credential.read(secret_file=str(path), env={}, interactive=False)
    assert e.value.exit_code is ExitCode.BAD_INPUT


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_private_key_file_wins_over_the_secret(tmp_path, kind):
    path = tmp_path / "key.pem"
    path.write_bytes(private_pem(kind))
    creds = credential.read(private_key=str(path), env={"BINANCE_API_SECRET": SECRET},
                            interactive=False)
    assert creds.algorithm is signing.Algorithm(kind)
    assert creds.sign("a=1") == signing.sign(signing.load_private_key(private_pem(kind)), "a=1")


def test_encrypted_key_passphrase_from_env_or_prompt(tmp_path):
    path = tmp_path / "key.pem"
    path.write_bytes(private_pem("ed25519", passphrase="pass-phrase-1"))
    env = {"BINANCE_PRIVATE_KEY_FILE": str(path)}
    with pytest.raises(signing.PassphraseNeeded):
        credential.read(env=env, interactive=False)
    by_env = credential.read(env={**env, "BINANCE_PRIVATE_KEY_PASSPHRASE": "pass-phrase-1"},
                             interactive=False)
    by_prompt = credential.read(env=env, interactive=True, prompt=lambda _: "pass-phrase-1")
    assert by_env.sign("x=1") == by_prompt.sign("x=1")
    assert by_prompt.redact("pw pass-phrase-1 end") == f"pw {credential.MASK} end"


def test_repr_and_redaction_never_reveal_secret_or_api_key():
    creds = credential.read(api_key="APIKEYVALUE", secret=f" {SECRET}\n", env={},
                            interactive=False)
    for text in (repr(creds), str(creds), repr(creds.key), str(creds.key)):
        assert SECRET not in text and "APIKEYVALUE" not in text
    text = f"secret={SECRET} lower={SECRET.lower()} key=APIKEYVALUE raw= {SECRET}\n"
    masked = creds.redact(text)
    assert SECRET not in masked and SECRET.lower() not in masked and "APIKEYVALUE" not in masked
    assert masked.count(credential.MASK) == 4


def test_redact_ignores_tiny_values():
    assert credential.redact("a b c", ["a", ""]) == "a b c"
