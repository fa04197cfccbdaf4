"""Meta-tests: the README's commands, .ci/run and the package layout agree."""

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _readme_commands():
    text = (REPO / "README.md").read_text()
    install = text.split("## Install", 1)[1].split("```bash", 1)[1].split("```", 1)[0].strip()
    test = text.split("## Test", 1)[1].split("```bash", 1)[1].split("```", 1)[0].strip()
    return install, test


def test_ci_runs_the_readme_commands():
    install, test = _readme_commands()
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert install in ci, "the README's set-up command must be the one .ci/run uses"
    assert test in ci, "the README's test command must be the one .ci/run uses"


def test_no_bare_top_level_packages():
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert all(p == "fakebench" or p.startswith("fakebench.") for p in cfg["packages"])
    assert cfg["package-dir"] == {"fakebench": "harness", "fakebench.plugins": "plugins"}


def test_every_package_folder_is_listed():
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set()
    for root, prefix in (("harness", "fakebench"), ("plugins", "fakebench.plugins")):
        for init in (REPO / root).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / root)
            found.add(".".join([prefix, *rel.parts]) if rel.parts else prefix)
    assert found <= set(cfg["packages"]), f"add to pyproject packages: {sorted(found - set(cfg['packages']))}"


def test_no_unsafe_torch_load():
    """torch.load always passes weights_only=True, except the one documented, hash-checked aisfx file."""
    offenders = []
    for path in list((REPO / "harness").rglob("*.py")) + list((REPO / "plugins").rglob("*.py")):
        for m in re.finditer(r"torch\.load\(([^)]*)\)", path.read_text()):
            args = m.group(1)
            if "weights_only=True" in args:
                continue
            if path.name == "sfx.py" and "weights_only=False" in args:
                continue
            offenders.append(f"{path.relative_to(REPO)}: torch.load({args})")
    assert not offenders, offenders


def test_no_eval_or_pickle_of_user_data():
    for path in list((REPO / "harness").rglob("*.py")) + list((REPO / "plugins").rglob("*.py")):
        text = path.read_text()
        assert not re.search(r"(?<![\w.])eval\(", text), f"{path}: eval("
        assert "pickle.load" not in text, f"{path}: pickle.load"
        assert "yaml.load(" not in text, f"{path}: yaml.load"
