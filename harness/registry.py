"""Build the plugin manager and resolve plugins by name.

The plugin manager is built by :func:`get_plugin_manager`, never at import time:

1. add the hook specs of :mod:`fakebench.hookspecs`;
2. register the built-in plugin modules (every module under ``fakebench.plugins``);
3. load third-party plugins from the entry-point group ``fakebench``, unless
   ``FAKEBENCH_DISABLE_PLUGIN_AUTOLOAD`` is set (then only ``FAKEBENCH_PLUGINS``, a
   comma-separated list of module names, is loaded);
4. ``check_pending()``, so a misspelt hook name is an error.

:class:`Registry` collects what the hooks return, one table per kind, raises on a
duplicate name and suggests close matches for an unknown one.
"""

from __future__ import annotations

import difflib
import importlib
import os
import pkgutil
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pluggy

from . import hookspecs
from .errors import DuplicatePluginError, InvalidPluginError, UnknownPluginError

ENTRY_POINT_GROUP = "fakebench"
KINDS = ("datasets", "embedders", "detectors", "metrics", "conditions")
#: The base class every plugin of a kind must inherit: (module, class name).
BASES = {"datasets": ("fakebench.contracts.dataset", "Dataset"),
         "embedders": ("fakebench.contracts.embedder", "Embedder"),
         "detectors": ("fakebench.contracts.detector", "Detector"),
         "metrics": ("fakebench.contracts.metric", "Metric"),
         "conditions": ("fakebench.contracts.condition", "Condition")}


def base_class(kind: str) -> type:
    """The base class of plugin ``kind`` (``datasets``, ``embedders``...)."""
    module, name = BASES[kind]
    return getattr(importlib.import_module(module), name)


def builtin_plugin_modules() -> list[str]:
    """Names of the built-in plugin modules: every module under ``fakebench.plugins``
    except private ones (a ``_`` at the start of any part of the name, e.g. helpers in
    ``plugins/detectors/_dada/``).

    Adding a built-in plugin is adding one file; the file's hook returns its classes.
    """
    import fakebench.plugins as root

    names = []
    for info in pkgutil.walk_packages(root.__path__, prefix=root.__name__ + ".",
                                      onerror=lambda name: None):
        private = any(part.startswith("_") for part in info.name.split(".")[2:])
        if not info.ispkg and not private:
            names.append(info.name)
    return sorted(names)


def get_plugin_manager(*, autoload: bool | None = None, extra: list[Any] = ()) -> pluggy.PluginManager:
    """Return a new plugin manager with the built-ins and installed plugins registered.

    ``autoload=False`` (or the environment variable ``FAKEBENCH_DISABLE_PLUGIN_AUTOLOAD``)
    skips the entry-point group; ``extra`` registers further plugin objects (tests use it).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in builtin_plugin_modules():
        pm.register(importlib.import_module(name), name=name)
    if autoload is None:
        autoload = not os.environ.get("FAKEBENCH_DISABLE_PLUGIN_AUTOLOAD")
    if autoload:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for modname in filter(None, os.environ.get("FAKEBENCH_PLUGINS", "").split(",")):
        module = importlib.import_module(modname.strip())
        if not pm.is_registered(module):
            pm.register(module, name=modname.strip())
    for obj in extra:
        pm.register(obj)
    pm.check_pending()
    return pm


@dataclass(frozen=True)
class Pipeline:
    """What a ``--detector`` value resolves to: an optional embedder plus a detector."""

    name: str
    detector: type
    embedder: type | None

    @property
    def label(self) -> str:
        return self.name


class Registry:
    """Plugin classes by kind and name, collected from the hook returns."""

    def __init__(self, pm: pluggy.PluginManager | None = None):
        self.pm = pm if pm is not None else get_plugin_manager()
        self._tables: dict[str, dict[str, type]] = {}
        self._origin: dict[tuple[str, str], str] = {}
        for kind in KINDS:
            self._tables[kind] = self._collect(kind)

    def _collect(self, kind: str) -> dict[str, type]:
        hook = getattr(self.pm.hook, f"fakebench_register_{kind}")
        base = base_class(kind)
        table: dict[str, type] = {}
        for impl in hook.get_hookimpls():
            returned = impl.function() or []
            plugin_name = self.pm.get_name(impl.plugin) or repr(impl.plugin)
            package = getattr(impl.plugin, "__name__", plugin_name).split(".")[0]
            for cls in returned:
                if not isinstance(cls, type) or not issubclass(cls, base):
                    raise InvalidPluginError(
                        f"plugin {plugin_name!r} (package {package!r}) registered {cls!r} as a {kind[:-1]}, "
                        f"but it does not inherit fakebench.api.{base.__name__}",
                        hint=f"make the class a subclass of fakebench.api.{base.__name__}",
                    )
                name = getattr(cls, "name", None)
                if not isinstance(name, str) or not name:
                    raise InvalidPluginError(
                        f"{kind[:-1]} class {cls.__name__} from plugin {plugin_name!r} (package {package!r}) "
                        f"has no 'name'",
                        hint="give the class a unique `name` string",
                    )
                if name in table:
                    other = self._origin[(kind, name)]
                    raise DuplicatePluginError(
                        f"two {kind} are named {name!r}: one from {other!r}, one from {plugin_name!r}",
                        hint="uninstall one of the plugins or rename its class",
                    )
                table[name] = cls
                self._origin[(kind, name)] = plugin_name
        return dict(sorted(table.items()))

    # -- lookup -------------------------------------------------------------------------

    def names(self, kind: str) -> list[str]:
        return list(self._tables[kind])

    def table(self, kind: str) -> dict[str, type]:
        return dict(self._tables[kind])

    def origin(self, kind: str, name: str) -> str:
        return self._origin[(kind, name)]

    def get(self, kind: str, name: str) -> type:
        """Return the class registered as ``name``, or raise with a did-you-mean."""
        table = self._tables[kind]
        if name in table:
            return table[name]
        aliases = {a: cls for cls in table.values() for a in getattr(cls, "aliases", ())}
        if name in aliases:
            return aliases[name]
        raise UnknownPluginError(
            f"unknown {kind[:-1]} {name!r}",
            hint=_suggest(name, list(table) + list(aliases), f"fakebench list {kind}"),
        )

    def dataset(self, name: str) -> type:
        return self.get("datasets", name)

    def embedder(self, name: str) -> type:
        return self.get("embedders", name)

    def detector(self, name: str) -> type:
        return self.get("detectors", name)

    def metric(self, name: str) -> type:
        return self.get("metrics", name)

    def condition(self, name: str) -> type:
        return self.get("conditions", name)

    def pipeline(self, detector: str, embedder: str | None = None) -> Pipeline:
        """Resolve ``--detector`` (and optional ``--embedder``) into a :class:`Pipeline`.

        ``clap-mlp`` is embedder ``clap`` plus detector ``mlp``; any split of the name
        at a ``-`` into a known embedder and a known detector works. A detector that
        reads audio itself (``aasist``) needs no embedder.
        """
        det_table = self._tables["detectors"]
        if embedder is not None:
            emb_cls = self.embedder(embedder)
            det_cls = self.detector(detector)
            return Pipeline(f"{embedder}-{detector}", det_cls, emb_cls)
        if detector in det_table:
            det_cls = det_table[detector]
            default = getattr(det_cls, "default_embedder", None)
            if "embedding" in getattr(det_cls, "inputs", ("embedding",)) and default is None:
                raise UnknownPluginError(
                    f"detector {detector!r} works on embeddings; say which one",
                    hint=f"use --detector EMBEDDER-{detector} (e.g. sfx-{detector}) or --embedder",
                )
            emb_cls = self.embedder(default) if default else None
            return Pipeline(detector, det_cls, emb_cls)
        parts = detector.split("-")
        for i in range(len(parts) - 1, 0, -1):
            emb_name, det_name = "-".join(parts[:i]), "-".join(parts[i:])
            if det_name in det_table:
                try:
                    emb_cls = self.embedder(emb_name)
                except UnknownPluginError:
                    continue
                return Pipeline(detector, det_table[det_name], emb_cls)
        candidates = list(det_table) + [
            f"{e}-{d}"
            for e in self._tables["embedders"]
            for d, cls in det_table.items()
            if "embedding" in getattr(cls, "inputs", ("embedding",))
        ]
        raise UnknownPluginError(
            f"unknown detector or pipeline {detector!r}",
            hint=_suggest(detector, candidates, "fakebench list"),
        )

    @cached_property
    def versions(self) -> dict[str, str]:
        """Distribution versions of the plugins that are registered (built-ins: fakebench)."""

        out = {}
        for plugin, dist in self.pm.list_plugin_distinfo():
            out[self.pm.get_name(plugin)] = f"{dist.project_name} {dist.version}"
        return out


def _suggest(name: str, candidates: list[str], listing: str) -> str:
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + f"? See `{listing}`"
    return f"see `{listing}` for what is installed"
