"""The policy registry: built-in policies by name, user policies by ``register_policy`` or by
module path (``package.module:ClassName`` or ``path/to/file.py:ClassName``) from a scenario."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from pathlib import Path

from orbitsim.errors import InputError
from orbitsim.policies.base import Policy

_REGISTRY: dict[str, type[Policy]] = {}
_BUILTIN_MODULES = ("fifo", "round_robin", "greedy_earliest_finish", "energy_aware",
                    "thermal_aware", "contact_aware", "sovereignty_aware", "look_ahead")


def register_policy(name: str):
    """Class decorator: make a :class:`Policy` subclass available under ``name``."""

    def decorate(cls: type[Policy]) -> type[Policy]:
        if not (isinstance(cls, type) and issubclass(cls, Policy)):
            raise TypeError(f"{cls!r} is not a Policy subclass")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def _load_builtins() -> None:
    for module in _BUILTIN_MODULES:
        importlib.import_module(f"orbitsim.policies.{module}")


def policy_names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def describe() -> dict[str, str]:
    """Name -> first line of the policy's docstring."""
    _load_builtins()
    def first_paragraph(doc: str | None) -> str:
        return " ".join((doc or "").strip().split("\n\n")[0].split())

    return {name: first_paragraph(cls.__doc__) for name, cls in sorted(_REGISTRY.items())}


def load_policy(spec: str) -> type[Policy]:
    """A policy class from ``module:Class`` or ``file.py:Class``; it is registered too."""
    target, _, attribute = spec.partition(":")
    if not attribute:
        raise InputError(f"expected 'module:ClassName' or 'file.py:ClassName', got {spec!r}",
                         field="policy")
    try:
        if target.endswith(".py"):
            path = Path(target)
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            if module_spec is None or not path.is_file():
                raise InputError("no such policy file", source=target, field="policy")
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
        cls = getattr(module, attribute)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 (user code: any failure is bad input)
        raise InputError(f"cannot load policy {spec!r}: {type(exc).__name__}: {exc}",
                         field="policy") from None
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        raise InputError(f"{spec!r} is not a subclass of orbitsim.policies.Policy",
                         field="policy")
    if cls.name == Policy.name:
        cls.name = spec
    _REGISTRY.setdefault(cls.name, cls)
    return cls


def get_policy(name: str) -> Policy:
    """A fresh instance of the policy registered as ``name`` (or loaded from a module path)."""
    _load_builtins()
    if name in _REGISTRY:
        return _REGISTRY[name]()
    if ":" in name:
        return load_policy(name)()
    if name.endswith(".py"):
        raise InputError(policy_file_hint(name), field="policy")
    raise InputError(f"unknown policy {name!r}; built-in: {', '.join(sorted(_REGISTRY))} "
                     "(or 'module:Class' / 'file.py:Class')", field="policy")


def resolve_policy(spec: str, *, base_dir: str | Path = ".",
                   source: str | Path | None = None) -> Policy:
    """A fresh instance of the policy a scenario (or an option) names: a registered name,
    ``module:Class``, or ``file.py:Class`` (the file beside the scenario, in ``base_dir``,
    first, else from the working folder). The one place a policy name is resolved: an
    unknown or broken one is an InputError ``SOURCE: policy: ...`` (with the closest
    built-in name when one is close)."""
    resolved = spec
    target, sep, attribute = spec.partition(":")
    if sep and target.endswith(".py") and (Path(base_dir) / target).is_file():
        resolved = f"{Path(base_dir) / target}:{attribute}"
    try:
        return get_policy(resolved)
    except InputError as exc:
        detail = f"{exc.source}: {exc.message}" if exc.source else exc.message
        if not sep:
            close = difflib.get_close_matches(spec, policy_names(), n=1)
            detail += f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(detail, source=source, field="policy") from None
def policy_file_hint(name: str) -> str:
    """The message for a policy given as a file without its class (``my.py``): the form
    ``file.py:Class``, with the classes the file defines when it can be read (parsed, not
    run)."""
    import ast

    path = Path(name)
    classes: list[str] = []
    if path.is_file():
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            classes = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            classes = []
    example = classes[0] if len(classes) == 1 else "ClassName"
    found = (f" (classes in it: {', '.join(classes)})" if classes
             else "" if path.is_file() else " (and no such file here)")
    return (f"{name!r} is a file: name the policy class in it too, "
            f"'{name}:{example}'{found}")
