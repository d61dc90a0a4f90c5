"""`@frozen`: a frozen dataclass made without compiling code at import.

`@dataclass(frozen=True)` writes the source of six methods for each class and
compiles it with exec(): on CPython 3.11 that is ~5 M instructions a class
(callgrind), and `explain -2010` defined seven of them before doing anything,
a third of what it added over a bare typer app. `@frozen` lets `dataclass`
read the fields, so the class is a dataclass to every tool (`fields`,
`replace`, `asdict`, `is_dataclass`, `__match_args__`, `__dataclass_params__`
saying frozen), and gives it methods that work from the field list instead of
generated code, behaving as frozen=True's do: the same `__init__` (arguments
by position or name, defaults), `__repr__`, `__eq__` and `__hash__` over the
fields in order, and FrozenInstanceError on assignment or deletion. About
1 M instructions a class; building an instance takes about as long as with
the generated `__init__`.

Plain fields with plain defaults only: a class that needs `field()`,
`__post_init__`, ClassVars or methods of its own that these replace is
refused. tests/test_record.py holds every class using it against a
`dataclass(frozen=True)` twin.
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, FrozenInstanceError
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, Callable, TypeVar

T = TypeVar("T", bound=type)

_OWN = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__",
        "__post_init__")


def frozen(cls: T) -> T:
    """The class as a frozen dataclass (see the module's docstring)."""
    name = cls.__qualname__
    if not cls.__doc__:
        # dataclass would write one with inspect.signature(), which start-up avoids.
        raise TypeError(f"{name}: @frozen needs a docstring")
    if any(m in vars(cls) for m in _OWN) or hasattr(cls, "__post_init__"):
        raise TypeError(f"{name}: @frozen makes {', '.join(_OWN[:6])} itself, "
                        "and runs no __post_init__")
    cls = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    fields = dataclasses.fields(cls)
    if len(fields) != len(cls.__dataclass_fields__) or any(
            f.default_factory is not MISSING or not (f.init and f.repr and f.compare)
            or f.hash is not None or f.kw_only is True for f in fields):
        raise TypeError(f"{name}: @frozen takes plain fields with plain defaults only")
    names = tuple(f.name for f in fields)
    defaults = tuple(f.default for f in fields)
    for i in range(1, len(names)):
        if defaults[i] is MISSING and defaults[i - 1] is not MISSING:
            raise TypeError(f"non-default argument {names[i]!r} follows default argument")
    methods = _methods(cls, names, defaults)
    for method_name, method in methods.items():
        method.__qualname__ = f"{name}.{method_name}"
        setattr(cls, method_name, method)
    cls.__signature__ = _Signature()
    params = cls.__dataclass_params__
    params.init = params.repr = params.eq = params.frozen = True
    return cls


def _methods(cls: type, names: tuple[str, ...],
             defaults: tuple[Any, ...]) -> dict[str, Callable]:
    count = len(names)
    fields = frozenset(names)
    values = _getter(names)
    init_name = f"{cls.__qualname__}.__init__()"

    template = dict(zip(names, defaults))             # MISSING where a value is required
    required = tuple(n for n, d in template.items() if d is MISSING)

    def __init__(self, *args, **kwargs):
        # One dict, then one update of the instance's: a loop of setattr calls over
        # the fields built an Entry ~60% slower than the generated __init__ does.
        given = template.copy()
        given.update(zip(names, args))
        given.update(kwargs)
        if len(args) > count or len(given) > count or any(
                given[n] is MISSING for n in required) or (
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
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self, name):
        if type(self) is cls or name in fields:
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
    missing = [n for n in names[len(args):] if n not in kwargs and template[n] is MISSING]
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
        import inspect

        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        return inspect.Signature(
            [inspect.Parameter(f.name, kind, annotation=f.type,
                               default=inspect.Parameter.empty if f.default is MISSING
                               else f.default)
             for f in dataclasses.fields(owner)], return_annotation=None)
