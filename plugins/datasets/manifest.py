"""``manifest``: any CSV of clips with path and label columns — for users' own data.

Source: your own files. License: yours. Citation: none.

Layout: ``--data-root`` points at the CSV itself, or at a folder holding
``manifest.csv``. Columns: ``path`` (relative to the CSV's folder, or absolute) and
``label`` (real/bonafide/bona-fide or fake/spoof, or 0/1 with 1 = fake), plus any of
``id``, ``split``, ``class``, ``system``/``attack``, ``speaker``, ``transcript``,
``duration`` and further attribute columns.

Protocols: ``given`` uses the CSV's ``split`` column (the default when it has one);
``random`` draws a seeded 70/10/20 split stratified by label and class;
``unseen-systems`` holds whole generators out of training; ``fixed`` is one unstratified
70/10/20 split of the rows in CSV order with scikit-learn's ``train_test_split`` indices
for seed 42, the same for every seed (Ouajdi et al.'s protocol).
"""

from __future__ import annotations

from fakebench.api import ManifestDataset, hookimpl

from fakebench.api import FilePath, Names
from ._params import dataset_specs


class Manifest(ManifestDataset):
    name = "manifest"
    description = "any CSV manifest (path, label, optional split/class/system/speaker columns)"
    param_specs = dataset_specs(ManifestDataset.protocols, manifest=FilePath(), held_out=Names(required=True))


@hookimpl
def fakebench_register_datasets():
    return [Manifest]
