"""`@frozen`: a frozen dataclass made without compiling code at import.

`@dataclass(frozen=True)` writes the source of six methods for each class and
compiles it with exec(): on CPython 3.11 that is ~5 M instructions a class
(callgrind), and `explain -2010` defined seven of them before doing anything,
a third of what it added over a bare typer app. `@frozen` gives the class
methods that work from the field list instead of generated code, behaving as
frozen=True's do: the same `__init__` (arguments by position or name,
defaults), `__repr__`, `__eq__` and `__hash__` over the fields in order, and
FrozenInstanceError on assignment or deletion. Building an instance takes
about as long as with the generated `__init__`.

The class is a dataclass to every tool (`fields`, `replace`, `asdict`,
`is_dataclass`, `__match_args__`, `__dataclass_params__` saying frozen), but
the `dataclasses` module and its reading of the fields are paid for only when
a tool first asks (`__dataclass_fields__` and `__dataclass_params__` are made
on first access): importing `dataclasses` (it imports `inspect`) and reading
six classes was ~7 M instructions of `explain -2010`, which never asks.

Plain fields with plain defaults only, in a class with no base: a class that
needs `field()`, `__post_init__`, ClassVars, inheritance or methods of its own
that these replace is refused. tests/test_record.py holds every class using it
against a `dataclass(frozen=True)` twin.
"""

from __future__ import annotations

from _thread import RLock
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, Callable, TypeVar

T = TypeVar("T", bound=type)

_OWN = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__",
        "__post_init__")
# Annotations that dataclasses reads as no field of the instance.
_NOT_FIELDS = ("ClassVar", "InitVar", "KW_ONLY")
_MISSING = object()          # a field without a default (dataclasses.MISSING, unimported)


def frozen(cls: T) -> T:
    """The class as a frozen dataclass (see the module's docstring)."""
    name = cls.__qualname__
    if not cls.__doc__:
        # dataclass would write one with inspect.signature(), which start-up avoids.
        raise TypeError(f"{name}: @frozen needs a docstring")
    if any(m in vars(cls) for m in _OWN) or hasattr(cls, "__post_init__"):
        raise TypeError(f"{name}: @frozen makes {', '.join(_OWN[:6])} itself, "
                        "and runs no __post_init__")
    annotations = cls.__dict__.get("__annotations__", {})
    if cls.__bases__ != (object,) or any(
            _is_field_object(v) for v in vars(cls).values()) or any(
            w in str(a) for a in annotations.values() for w in _NOT_FIELDS):
        raise TypeError(f"{name}: @frozen takes plain fields with plain defaults only")
    names = tuple(annotations)
    defaults = tuple(cls.__dict__.get(n, _MISSING) for n in names)
    for i, default in enumerate(defaults):
        if default.__class__.__hash__ is None:      # dataclass's own test and words
            raise ValueError(f"mutable default {type(default)} for field {names[i]} "
                             "is not allowed: use default_factory")
        if i and default is _MISSING and defaults[i - 1] is not _MISSING:
            raise TypeError(f"non-default argument {names[i]!r} follows default argument")
    methods = _methods(cls, names, defaults)
    for method_name, method in methods.items():
        method.__qualname__ = f"{name}.{method_name}"
        setattr(cls, method_name, method)
    if "__match_args__" not in vars(cls):
        cls.__match_args__ = names
    cls.__signature__ = _Signature()
    cls.__dataclass_fields__ = _Dataclass("__dataclass_fields__", names)
    cls.__dataclass_params__ = _Dataclass("__dataclass_params__", names)
    return cls


def _is_field_object(value: Any) -> bool:
    """A dataclasses.field(...), told apart without importing dataclasses."""
    return type(value).__name__ == "Field" and type(value).__module__ == "dataclasses"


_MAKING = RLock()


class _Dataclass:
    """`__dataclass_fields__` or `__dataclass_params__`: dataclasses reads the class
    when one is first asked for, and both become the plain attributes it sets."""

    def __init__(self, name: str, names: tuple[str, ...]) -> None:
        self.name = name
        self.names = names

    def __get__(self, obj: Any, owner: type) -> Any:
        with _MAKING:
            home = next(c for c in owner.__mro__ if c.__dict__.get(self.name) is self)
            import dataclasses

            dataclasses.dataclass(init=False, repr=False, eq=False)(home)
            params = home.__dataclass_params__
            params.init = params.repr = params.eq = params.frozen = True
            if tuple(home.__dataclass_fields__) != self.names:     # frozen() checked
                raise TypeError(f"{home.__qualname__}: fields differ from @frozen's")
        return getattr(owner, self.name)


def _methods(cls: type, names: tuple[str, ...],
             defaults: tuple[Any, ...]) -> dict[str, Callable]:
    count = len(names)
    fields = frozenset(names)
    values = _getter(names)
    init_name = f"{cls.__qualname__}.__init__()"

    template = dict(zip(names, defaults))             # _MISSING where a value is required
    required = tuple(n for n, d in template.items() if d is _MISSING)

    def __init__(self, *args, **kwargs):
        # One dict, then one update of the instance's: a loop of setattr calls over
        # the fields built an Entry ~60% slower than the generated __init__ does.
        given = template.copy()
        given.update(zip(names, args))
        given.update(kwargs)
        if len(args) > count or len(given) > count or any(
                given[n] is _MISSING for n in required) or (
                args and kwargs and not kwargs.keys().isdisjoint(names[:len(args)])):
            _refuse(init_name, names, template, args, kwargs)
        self.__dict__.update(given)

    @recursive_repr()
    def __repr__(self):
        shown = ", ".join(f"{n}={v!r}" for n, v in zip(names, values(self)))
        return f"{self.__class__.__qualname__}({shown})"

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    def __hash__(self):
        return hash(values(self))

    def __setattr__(self, name, value):
        if type(self) is cls or name in fields:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self, name):
        if type(self) is cls or name in fields:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return {"__init__": __init__, "__repr__": __repr__, "__eq__": __eq__,
            "__hash__": __hash__, "__setattr__": __setattr__, "__delattr__": __delattr__}


def _refuse(init_name: str, names: tuple[str, ...], template: dict, args: tuple,
            kwargs: dict) -> None:
    """The TypeError Python gives for a call that does not fit the fields."""
    if len(args) > len(names):
        raise TypeError(f"{init_name} takes {len(names) + 1} positional arguments but "
                        f"{len(args) + 1} were given")
    for name in kwargs:
        if name in names[:len(args)]:
            raise TypeError(f"{init_name} got multiple values for argument {name!r}")
        if name not in template:
            raise TypeError(f"{init_name} got an unexpected keyword argument {name!r}")
    missing = [n for n in names[len(args):] if n not in kwargs and template[n] is _MISSING]
    raise TypeError(f"{init_name} missing required argument: {missing[0]!r}")


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """The fields' values as a tuple, in order (attrgetter gives a bare value for one)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        only = names[0]
        return lambda obj: (getattr(obj, only),)
    return lambda obj: ()


class _Signature:
    """`inspect.signature(cls)`, the generated `__init__`'s: built when asked for (help(),
    an IDE), since inspect is not imported at start-up."""

    def __get__(self, obj: Any, owner: type) -> Any:
        import dataclasses
        import inspect

        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        return inspect.Signature(
            [inspect.Parameter(f.name, kind, annotation=f.type,
                               default=inspect.Parameter.empty if f.default is dataclasses.MISSING
                               else f.default)
             for f in dataclasses.fields(owner)], return_annotation=None)
