"""``manifest``: any CSV of clips with path and label columns — for users' own data.

Source: your own files. License: yours. Citation: none.

Layout: ``--data-root`` points at the CSV itself, or at a folder holding
``manifest.csv``. Columns: ``path`` (relative to the CSV's folder, or absolute) and
``label`` (real/bonafide/bona-fide or fake/spoof, or 0/1 with 1 = fake), plus any of
``id``, ``split``, ``class``, ``system``/``attack``, ``speaker``, ``transcript``,
``duration`` and further attribute columns.

Protocols: ``given`` uses the CSV's ``split`` column (the default when it has one);
``random`` draws a seeded 70/10/20 split stratified by label and class;
``unseen-systems`` holds whole generators out of training.
"""

from __future__ import annotations

from pathlib import Path

from fakebench.api import Dataset, DatasetError, hookimpl, random_split, unseen_systems_split
from fakebench.dataset import default_data_root
from fakebench.manifest import read_manifest


class Manifest(Dataset):
    name = "manifest"
    description = "any CSV manifest (path, label, optional split/class/system/speaker columns)"
    protocols = ("auto", "given", "random", "unseen-systems")
    attributes = ("class", "system", "speaker")

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, manifest=None, held_out=None):
        super().__init__(root, protocol, seed, allow_missing)
        self.manifest = manifest
        self.held_out = held_out

    def manifest_path(self) -> Path:
        if self.manifest:
            return Path(self.manifest).expanduser()
        root = Path(self.root).expanduser() if self.root is not None else default_data_root()
        if root.is_file():
            return root
        if (root / "manifest.csv").is_file():
            return root / "manifest.csv"
        raise DatasetError(f"manifest: no manifest.csv in {str(root)!r}",
                           hint="pass --data-root pointing at your CSV (columns path,label,...)")

    def load(self):
        self.check_protocol()
        clips = read_manifest(self.manifest_path(), allow_missing=self.allow_missing, dataset=self.name)
        return split_clips(clips, self.protocol_name, self.seed, self.name, self.held_out)


def split_clips(clips, protocol, seed, dataset, held_out=None):
    """Apply a manifest protocol: the given split column, random, or unseen systems."""
    has_split = any(c.split for c in clips)
    if protocol == "auto":
        protocol = "given" if has_split else "random"
    if protocol == "given":
        if not has_split:
            raise DatasetError(f"{dataset}: protocol 'given' needs a split column in the manifest",
                               hint="use --protocol random")
        missing = [c.id for c in clips if not c.split]
        if missing:
            raise DatasetError(f"{dataset}: {len(missing)} clip(s) have no split, e.g. {missing[0]!r}")
        out = {"train": [], "val": [], "eval": []}
        for c in clips:
            out[c.split].append(c)
        return out
    if protocol == "random":
        return random_split(clips, seed=seed)
    if protocol == "unseen-systems":
        if isinstance(held_out, str):
            held_out = [h.strip() for h in held_out.split(",") if h.strip()]
        return unseen_systems_split(clips, seed=seed, held_out=held_out)
    raise DatasetError(f"{dataset}: unknown protocol {protocol!r}")


@hookimpl
def fakebench_register_datasets():
    return [Manifest]
