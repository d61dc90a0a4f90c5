"""@frozen makes the same class @dataclass(frozen=True) does, without compiling code.

Every class in the package that uses it is held against a dataclass(frozen=True)
twin with the same fields: construction, defaults, argument errors, repr,
equality, hashing, immutability and the dataclasses functions all agree.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
from typing import ClassVar

import pytest

import binance_doctor
from binance_doctor import record
from binance_doctor.record import frozen


def _frozen_classes() -> list[type]:
    found = {}
    for info in pkgutil.walk_packages(binance_doctor.__path__, "binance_doctor."):
        if info.name == "binance_doctor.__main__":      # runs the CLI when imported
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            init = getattr(value, "__init__", None)
            if isinstance(value, type) and getattr(init, "__code__", None) is not None \
                    and init.__code__.co_filename == record.__file__ \
                    and value.__module__ != record.__name__:      # its own helpers
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


CLASSES = _frozen_classes()


def test_the_start_up_path_classes_use_it():
    names = {c.__qualname__ for c in CLASSES}
    assert {"Retry", "Explanation", "Entry", "Fact", "Finding", "Diagnosis"} <= names


def _twin(cls: type) -> type:
    """The same fields under @dataclass(frozen=True), in a class of the same name."""
    fields = [(f.name, f.type) if f.default is dataclasses.MISSING
              else (f.name, f.type, dataclasses.field(default=f.default))
              for f in dataclasses.fields(cls)]
    twin = dataclasses.make_dataclass(cls.__name__, fields, frozen=True)
    twin.__qualname__ = cls.__qualname__
    return twin


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__qualname__)
def test_each_class_behaves_as_its_frozen_dataclass_twin(cls):
    twin = _twin(cls)
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    required = [f.name for f in fields if f.default is dataclasses.MISSING]
    values = {n: f"value of {n}" for n in names}

    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    assert [(f.name, f.type, f.default) for f in fields] == [
        (f.name, f.type, f.default) for f in dataclasses.fields(twin)]
    assert cls.__match_args__ == twin.__match_args__
    assert str(inspect.signature(cls)) == str(inspect.signature(twin))

    # Every field by name, by position, and only the required ones (defaults filled).
    for args, kwargs in (((), values), (tuple(values.values()), {}),
                         ((), {n: values[n] for n in required})):
        ours, theirs = cls(*args, **kwargs), twin(*args, **kwargs)
        assert repr(ours) == repr(theirs)
        assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
        assert dataclasses.astuple(ours) == dataclasses.astuple(theirs)
        assert hash(ours) == hash(theirs)
        assert ours == cls(*args, **kwargs) and ours != theirs     # another class
    ours = cls(**values)
    other = dataclasses.replace(ours, **{names[0]: "changed"})
    assert other != ours and getattr(other, names[0]) == "changed"
    assert copy.deepcopy(ours) == ours and pickle.loads(pickle.dumps(ours)) == ours

    for target in (ours, twin(**values)):
        for name in (names[0], "not_a_field"):
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(target, name, 1)
            with pytest.raises(dataclasses.FrozenInstanceError):
                delattr(target, name)

    bad_calls = [((), {}), (tuple(values.values()) + ("extra",), {}),
                 ((values[names[0]],), {names[0]: "twice"}), ((), {**values, "nope": 1})]
    for args, kwargs in bad_calls:
        if not args and not kwargs and not required:
            continue
        with pytest.raises(TypeError):
            twin(*args, **kwargs)
        with pytest.raises(TypeError):
            cls(*args, **kwargs)


def test_what_it_cannot_make_is_refused():
    with pytest.raises(TypeError, match="docstring"):
        @frozen
        class NoDoc:
            a: int

    with pytest.raises(TypeError, match="plain fields"):
        @frozen
        class Factory:
            """doc"""
            a: list = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match="__post_init__"):
        @frozen
        class PostInit:
            """doc"""
            a: int

            def __post_init__(self):
                pass

    with pytest.raises(TypeError, match="non-default argument 'b'"):
        @frozen
        class Order:
            """doc"""
            a: int = 0
            b: int

    with pytest.raises(TypeError, match="plain fields"):
        @frozen
        class Constant:
            """doc"""
            a: int
            b: ClassVar[int] = 1

    with pytest.raises(TypeError, match="plain fields"):
        @frozen
        class Child(dataclasses.make_dataclass("Base", [("a", int)], frozen=True)):
            """doc"""
            b: int

    with pytest.raises(ValueError, match="mutable default <class 'list'> for field a"):
        @frozen
        class Mutable:
            """doc"""
            a: list = []      # noqa: RUF012 - the mistake under test


def test_the_dataclass_fields_are_read_when_first_asked_for():
    @frozen
    class Point:
        """doc"""
        x: int
        y: int = 0

    assert isinstance(vars(Point)["__dataclass_fields__"], record._Dataclass)
    assert Point(1).y == 0 and repr(Point(1, 2)).endswith("Point(x=1, y=2)")
    assert isinstance(vars(Point)["__dataclass_fields__"], record._Dataclass)   # not yet
    assert dataclasses.replace(Point(1), y=5) == Point(1, 5)
    assert list(vars(Point)["__dataclass_fields__"]) == ["x", "y"]              # now made
    assert Point.__dataclass_params__.frozen
