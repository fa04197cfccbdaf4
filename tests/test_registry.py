"""The plugin manager, the registry and pipeline resolution."""

import pytest

import fakebench
from fakebench.api import Detector
from fakebench.errors import DuplicatePluginError, UnknownPluginError
from fakebench.registry import Registry, builtin_plugin_modules, get_plugin_manager


def test_builtins_are_discovered_one_module_per_plugin():
    names = builtin_plugin_modules()
    assert "fakebench.plugins.datasets.foley_demo" in names
    assert "fakebench.plugins.detectors.mlp" in names
    assert all(not n.rsplit(".", 1)[1].startswith("_") for n in names)


def test_every_kind_has_builtins():
    reg = Registry()
    for kind in ("datasets", "embedders", "detectors", "metrics"):
        assert reg.names(kind), kind
    assert {"foley-demo", "manifest"} <= set(reg.names("datasets"))
    assert {"eer", "accuracy", "f1"} <= set(reg.names("metrics"))


def test_unknown_name_suggests_close_match():
    with pytest.raises(UnknownPluginError) as e:
        Registry().dataset("foley-dmo")
    assert "foley-demo" in str(e.value)


def test_unknown_pipeline_suggests_close_match():
    with pytest.raises(UnknownPluginError) as e:
        Registry().pipeline("sfx-mpl")
    assert "sfx-mlp" in str(e.value)


def test_pipeline_alias_splits_into_embedder_and_detector():
    p = Registry().pipeline("sfx-mlp")
    assert p.embedder.name == "sfx" and p.detector.name == "mlp"


def test_pipeline_named_separately():
    p = Registry().pipeline("mlp", embedder="sfx")
    assert p.name == "sfx-mlp"


def test_embedding_detector_alone_asks_for_an_embedder():
    with pytest.raises(UnknownPluginError, match="EMBEDDER-mlp"):
        Registry().pipeline("mlp")


class _Dup(Detector):
    name = "mlp"


class _DupPlugin:
    @staticmethod
    @fakebench.hookimpl
    def fakebench_register_detectors():
        return [_Dup]


def test_duplicate_name_is_an_error():
    pm = get_plugin_manager(autoload=False, extra=[_DupPlugin])
    with pytest.raises(DuplicatePluginError, match="two detectors are named 'mlp'"):
        Registry(pm)


class _Misspelt:
    @staticmethod
    @fakebench.hookimpl
    def fakebench_register_detectorz():
        return []


def test_misspelt_hook_fails_check_pending():
    from pluggy import PluginValidationError

    with pytest.raises(PluginValidationError):
        get_plugin_manager(autoload=False, extra=[_Misspelt])


def test_autoload_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("FAKEBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    calls = []
    import pluggy

    orig = pluggy.PluginManager.load_setuptools_entrypoints
    monkeypatch.setattr(pluggy.PluginManager, "load_setuptools_entrypoints",
                        lambda self, group, name=None: calls.append(group) or orig(self, group, name))
    get_plugin_manager()
    assert calls == []
    monkeypatch.delenv("FAKEBENCH_DISABLE_PLUGIN_AUTOLOAD")
    get_plugin_manager()
    assert calls == ["fakebench"]


def test_plugins_named_by_variable_are_loaded_without_autoload(monkeypatch, tmp_path):
    mod = tmp_path / "my_fb_plugin.py"
    mod.write_text(
        "import fakebench\nfrom fakebench.api import Metric\n"
        "class Zero(Metric):\n    name = 'zero'\n    higher_is_better = True\n"
        "    def compute(self, scores, labels, **ctx):\n        return 0.0\n"
        "@fakebench.hookimpl\ndef fakebench_register_metrics():\n    return [Zero]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("FAKEBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("FAKEBENCH_PLUGINS", "my_fb_plugin")
    assert "zero" in Registry().names("metrics")


def test_no_plugin_manager_at_import_time():
    import importlib

    import fakebench.registry as r

    importlib.reload(r)
    assert not any(isinstance(v, __import__("pluggy").PluginManager) for v in vars(r).values())


def test_every_hookspec_is_documented():
    import inspect

    from fakebench import hookspecs

    specs = [f for n, f in vars(hookspecs).items() if n.startswith("fakebench_")]
    from fakebench.registry import KINDS

    assert {f.__name__ for f in specs} == {f"fakebench_register_{k}" for k in KINDS} | {"fakebench_register_recipes"}
    for f in specs:
        doc = inspect.getdoc(f) or ""
        assert "Return" in doc and "Called" in doc, f.__name__


def test_every_builtin_plugin_module_has_a_docstring():
    import importlib
    import inspect

    for name in builtin_plugin_modules():
        doc = inspect.getdoc(importlib.import_module(name)) or ""
        assert len(doc) > 60, f"{name} needs a docstring (source, license, citation)"


def test_embedders_state_rate_and_dim():
    for name, cls in Registry().table("embedders").items():
        assert isinstance(cls.sample_rate, int) and cls.sample_rate > 0, name
        assert isinstance(cls.dim, int) and cls.dim > 0, name
