"""The compiled copy of package data: same contents as the JSON, never stale, never required."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from binance_doctor.errors import bundle


@pytest.fixture()
def data(tmp_path, monkeypatch):
    """A private copy of the catalog and a private cache directory."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(bundle._DATA / "catalog.json", folder / "catalog.json")
    monkeypatch.setattr(bundle, "_DATA", folder)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return folder


def _copies() -> list[str]:
    return sorted(p.name for p in bundle.cache_dir().glob("*.marshal"))


def test_second_load_reads_the_copy_with_the_same_contents(data, monkeypatch):
    first = bundle.load("catalog.json")
    assert first == json.loads((data / "catalog.json").read_bytes())
    assert len(_copies()) == 1

    def no_json(*a, **k):
        raise AssertionError("parsed the JSON although a current copy exists")
    monkeypatch.setattr(json, "loads", no_json)
    assert bundle.load("catalog.json") == first


def test_an_edited_catalog_is_read_again_and_replaces_the_copy(data):
    bundle.load("catalog.json")
    before = _copies()
    raw = json.loads((data / "catalog.json").read_bytes())
    raw["sources"]["edited"] = {"url": "x", "date": "2026-11-25"}
    (data / "catalog.json").write_text(json.dumps(raw))
    os.utime(data / "catalog.json", ns=(1, 1))          # a different stamp, whatever the clock
    assert bundle.load("catalog.json")["sources"]["edited"]["url"] == "x"
    after = _copies()
    assert len(after) == 1 and after != before


def test_a_damaged_copy_is_ignored_and_rewritten(data):
    bundle.load("catalog.json")
    (copy,) = bundle.cache_dir().glob("*.marshal")
    copy.write_bytes(b"\x00not marshal")
    assert bundle.load("catalog.json")["schema"] == json.loads(
        (data / "catalog.json").read_bytes())["schema"]
    assert copy.read_bytes() != b"\x00not marshal"


def test_an_unwritable_cache_costs_only_the_speed(data, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert bundle.load("catalog.json") == json.loads((data / "catalog.json").read_bytes())


def test_explain_works_and_is_the_same_with_and_without_a_copy(monkeypatch, tmp_path):
    from support import run_cli

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))
    from binance_doctor.errors import catalog

    catalog.load.cache_clear()
    cold = run_cli("explain", "-2010", "--json").stdout
    catalog.load.cache_clear()
    warm = run_cli("explain", "-2010", "--json").stdout
    catalog.load.cache_clear()
    assert cold == warm and '"code": -2010' in cold
    assert list((tmp_path / "fresh" / "binance-doctor").glob("catalog-*.marshal"))


def test_two_installs_keep_their_own_copies(data, tmp_path, monkeypatch):
    other = tmp_path / "other" / "data"
    other.mkdir(parents=True)
    shutil.copy(data / "catalog.json", other / "catalog.json")
    bundle.load("catalog.json")
    monkeypatch.setattr(bundle, "_DATA", other)
    bundle.load("catalog.json")
    assert len(_copies()) == 2


def test_a_copy_in_another_layout_is_never_read(data):
    first = bundle.load("catalog.json", pack=lambda raw: {"layout": "a"}, form="a")
    again = bundle.load("catalog.json", pack=lambda raw: {"layout": "b"}, form="b")
    assert (first, again) == ({"layout": "a"}, {"layout": "b"})
    assert len(_copies()) == 1          # the older layout's copy is replaced, not kept


def test_the_packed_catalog_holds_every_record_of_the_json():
    from binance_doctor.errors import catalog

    raw = json.loads((bundle._DATA / "catalog.json").read_bytes())
    loaded = catalog.load()
    assert len(loaded.entries) == len(raw["entries"])
    assert [e.code for e in loaded.entries] == [r.get("code") for r in raw["entries"]]
    assert loaded.entries == catalog.parse(raw).entries


def test_the_packed_code_index_finds_every_code_and_nothing_else():
    from binance_doctor.errors import catalog

    raw = json.loads((bundle._DATA / "catalog.json").read_bytes())
    loaded = catalog.load()
    wanted: dict[int, list[int]] = {}
    for i, r in enumerate(raw["entries"]):
        if r["kind"] == "code":
            wanted.setdefault(r["code"], []).append(i)
    assert loaded.codes == sorted(wanted, reverse=True)
    for code, rows in wanted.items():
        assert [e.section for e in loaded.by_code(code)] == [
            raw["entries"][i].get("section") for i in rows], code
        assert [e.code for e in loaded.by_code(code)] == [code] * len(rows)
    lowest, highest = min(wanted), max(wanted)
    for absent in (lowest - 1, highest + 1, 0, 999999):
        assert absent in wanted or loaded.by_code(absent) == []
    assert loaded.codes_near(lowest - 5)[0] == lowest


def test_a_cached_catalog_reads_its_records_only_where_they_are_looked_up(data):
    from binance_doctor.errors import catalog

    def load():
        return bundle.load("catalog.json", pack=catalog.pack, form=catalog.PACKED,
                           lazy=catalog.LAZY)

    fresh, cached = load(), load()
    for key in catalog.LAZY:
        assert isinstance(fresh[key], bytes)
        if hasattr(os, "pread"):
            assert isinstance(cached[key], bundle.Region)
        assert bytes(cached[key]) == fresh[key] and len(cached[key]) == len(fresh[key])
    assert cached["entries"][10:20] == fresh["entries"][10:20]
    assert {k: v for k, v in cached.items() if k not in catalog.LAZY} == {
        k: v for k, v in fresh.items() if k not in catalog.LAZY}
    assert catalog.Catalog(cached).entries == catalog.Catalog(fresh).entries
    message = next(e for e in catalog.Catalog(fresh).entries if e.message_explanations)
    template, key = message.message_explanations[0]
    assert catalog.Catalog(cached).for_message(message, template).explanation.key == key


def test_a_cut_off_copy_with_regions_is_ignored_and_rewritten(data):
    from binance_doctor.errors import catalog

    def load():
        return bundle.load("catalog.json", pack=catalog.pack, form=catalog.PACKED,
                           lazy=catalog.LAZY)

    whole = load()
    (copy,) = bundle.cache_dir().glob("*.marshal")
    copy.write_bytes(copy.read_bytes()[:-100])
    assert isinstance(load()["entries"], bytes)          # packed again from the JSON
    assert not hasattr(os, "pread") or isinstance(load()["entries"], bundle.Region)
    assert bytes(load()["entries"]) == whole["entries"]


def test_a_copy_with_a_damaged_head_is_read_no_further(data, monkeypatch):
    from binance_doctor.errors import catalog

    def load():
        return bundle.load("catalog.json", pack=catalog.pack, form=catalog.PACKED,
                           lazy=catalog.LAZY)

    whole = load()
    (copy,) = bundle.cache_dir().glob("*.marshal")
    copy.write_bytes(b"\x00not marshal" + bytes(64))     # says its head is ~2 GB long
    asked = []
    if hasattr(os, "pread"):
        pread = os.pread
        monkeypatch.setattr(os, "pread", lambda fd, n, at: asked.append(n) or pread(fd, n, at))
    assert load()["entries"] == whole["entries"]          # packed again from the JSON
    assert all(n <= 32 * 1024 for n in asked)
