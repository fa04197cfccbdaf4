"""The documentation is complete because a test says so (after datasette's docs tests).

* every hook spec has a heading in docs/hooks.md, and its example code runs: the hook
  returns classes that the registry accepts and that pass their kind's conformance checks;
* every built-in plugin is documented on its kind's page (its name in backticks);
* every parameter shown by ``fakebench list --params`` is documented on its kind's page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fakebench import hookspecs
from fakebench.registry import KINDS, Registry, get_plugin_manager

DOCS = Path(__file__).resolve().parents[1] / "docs"
HOOKS = sorted(n for n in vars(hookspecs) if n.startswith("fakebench_"))
PAGES = {"datasets": ["datasets.md"], "embedders": ["embedders.md"], "detectors": ["detectors.md", "dada.md"],
         "metrics": ["metrics.md"], "conditions": ["conditions.md"]}
#: parameters every dataset has, documented once in datasets.md's "Parameters of every dataset"
COMMON = {"datasets": {"root", "protocol", "seed", "allow_missing"}, "detectors": {"random_state", "device"}}


def _blocks(text: str) -> dict[str, str]:
    """The first python code block under each ``## heading``."""
    out = {}
    for part in re.split(r"(?m)^## ", text)[1:]:
        heading, _, body = part.partition("\n")
        m = re.search(r"```python\n(.*?)```", body, re.S)
        if m:
            out[heading.strip()] = m.group(1)
    return out


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_heading_and_a_working_example(hook):
    text = (DOCS / "hooks.md").read_text()
    assert re.search(rf"(?m)^## {hook}$", text), f"docs/hooks.md needs a '## {hook}' heading"
    code = _blocks(text).get(hook)
    assert code, f"docs/hooks.md: the {hook} section needs a python example"
    namespace: dict = {"__name__": f"docs_example_{hook}", "__file__": str(DOCS / "hooks.md")}
    exec(compile(code, f"docs/hooks.md ({hook})", "exec"), namespace)
    impl = namespace[hook]
    returned = impl()
    assert returned, f"the {hook} example returns nothing"
    kind = hook.removeprefix("fakebench_register_")
    if kind in KINDS:  # the registry accepts it, next to the built-ins
        module = type("example", (), {hook: impl})
        reg = Registry(get_plugin_manager(autoload=False, extra=[module]))
        for cls in returned:
            assert reg.get(kind, cls.name) is cls


def _documented(kind: str) -> str:
    return "\n".join((DOCS / p).read_text() for p in PAGES[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_every_builtin_plugin_is_documented(kind):
    text = _documented(kind)
    reg = Registry(get_plugin_manager(autoload=False))
    missing = [n for n in reg.names(kind) if f"`{n}`" not in text]
    assert not missing, f"docs/{PAGES[kind][0]} does not document: {missing}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_parameter_is_documented(kind):
    text = _documented(kind)
    reg = Registry(get_plugin_manager(autoload=False))
    missing = []
    for name, cls in reg.table(kind).items():
        for p in getattr(cls, "param_defaults", dict)():
            if p in COMMON.get(kind, ()):
                continue
            if f"`{p}`" not in text and f"`{p}=" not in text:
                missing.append(f"{name}.{p}")
    assert not missing, f"docs/{PAGES[kind][0]}: parameters without documentation: {missing}"
