"""``add2023-fg-r1``, ``add2023-fg-r2``: ADD 2023 track 1.2 (fake game detection) test sets, rounds 1 and 2.

Corpus: the second Audio Deepfake Detection challenge (ADD 2023). Track 1.2 (FG-D, the
defending side of the audio fake game) is the one binary real/fake track; its fakes come
from the generation teams of track 1.1 and its bona fide speech from the AISHELL-3
Mandarin corpus (as the SpeechAntiSpoofingBenchmarks packaging of the round-1 labels
describes it). It was scored in two rounds, R1 and R2, each with its own test set, whose
labels are now public (Zenodo records 12175884 and 12176326, the ones the Speech DF Arena
links for ``add_2023_round_1`` and ``add_2023_round_2``). The other ADD 2023 tracks are
not real/fake detection: track 2 (RL) labels manipulated regions and track 3 (AR) the
generating algorithm; they are not offered here. Per-label counts: see the released
label files (the Hugging Face card of the round-1 labels gives 100K-1M rows).

URL: http://addchallenge.cn/downloadADD2023 and the Zenodo records above (download by
hand).
License: CC BY-NC-ND 4.0.
Citation: J. Yi, J. Tao, R. Fu, X. Yan, C. Wang, T. Wang, C. Y. Zhang, X. Zhang, Y. Zhao,
Y. Ren et al., "ADD 2023: the Second Audio Deepfake Detection Challenge", DADA workshop
at IJCAI 2023 (arXiv:2305.13774); J. Yi, C. Y. Zhang, J. Tao et al., "ADD 2023: Towards
Audio Deepfake Detection and Analysis in the Wild", arXiv:2408.04967.

Layout on disk::

    <data root>/ADD2023/Track1.2/         (or Track1.2/ directly in the data root; track1.2/ too)
      testR2/label.txt                    round-2 labels
      testR2/wav/ADD2023_T1.2R2_E_00000003.wav ...
      testR1/label.txt                    round-1 labels                      ASSUMED folder name
      testR1/wav/ADD2023_T1.2R1_E_00000000.wav ...
      train/label.txt  train/wav/ADD2023_T1.2_T_*.wav     (official protocol) ASSUMED
      dev/label.txt    dev/wav/ADD2023_T1.2_D_*.wav

Label lines have 2 space-separated fields, ``FILE LABEL`` with LABEL ``genuine`` (0) or
``fake`` (1), e.g. ``ADD2023_T1.2R2_E_00000003.wav genuine``. Sources: the round-2
layout and line format are those of NII's AntiDeepfake ``protocols/ADD2023.py``
(``ADD2023/Track1.2/testR2/{label.txt, log.txt, wav/}``); the round-1 file names and
label format those of the SpeechAntiSpoofingBenchmarks ``ADD2023_track12_test_r1`` card
(``label.txt``, ``ADD2023_T1.2R1_E_*.wav``), its folder ``testR1`` ASSUMED by analogy; the
train/dev layout is that of third-party code written for the challenge release
(``track1.2/{train,dev}/{label.txt, wav/}``), ASSUMED for the public one. With other
names pass ``label_file=PATH`` and ``audio_dir=DIR`` (``--set``). The audio folder is the
first of ``audio_dir``, ``<label dir>/wav`` and ``<label dir>`` that holds the first
file listed.

Per clip: attribute ``track`` (``FG-R1``/``FG-R2``; ``train``/``dev`` in the official
protocol).

Protocols: ``eval-only`` (default) — the round's test set, all in ``eval``;
``official`` — track 1.2 train/dev -> train/val, the round's test set -> eval.
"""

from __future__ import annotations

from pathlib import Path

from fakebench.api import hookimpl

from ._add import AddTestSet

URL = "http://addchallenge.cn/downloadADD2023"
TRACK_DIR = "Track1.2"


class _Add2023(AddTestSet):
    """One ADD 2023 track 1.2 test set; subclasses set the round, its folder and Zenodo record."""

    url = URL
    license = "CC BY-NC-ND 4.0"
    citation = "Yi et al., ADD 2023: the Second Audio Deepfake Detection Challenge, DADA workshop at IJCAI 2023"
    folder = "ADD2023"
    track = "FG-R1"
    round_dir = "testR1"
    label_names: tuple[str, ...] = ("label.txt",)
    record = 12175884
    label_example = "ADD2023_T1.2R2_E_00000003.wav genuine"

    def instructions(self) -> str:
        return (f"download the track 1.2 {self.track} test set (https://zenodo.org/records/{self.record}) and unpack "
                f"it in DIR/{self.folder}/ (giving {TRACK_DIR}/{self.round_dir}/label.txt and "
                f"{TRACK_DIR}/{self.round_dir}/wav/), then pass --data-root DIR; for other file names set "
                "label_file= and audio_dir=")

    def base(self) -> Path:
        """The track folder, ``Track1.2/`` (``track1.2/`` accepted)."""
        corpus = self.corpus_dir()
        for cand in (corpus / TRACK_DIR, corpus / TRACK_DIR.lower(), corpus):
            if (cand / self.round_dir).is_dir() or (cand / "train").is_dir():
                return cand
        return corpus / TRACK_DIR

    def label_candidates(self, base: Path) -> list[Path]:
        return [base / self.round_dir / name for name in self.label_names]

    def audio_candidates(self, label_file: Path) -> list[Path]:
        return [label_file.parent / "wav", label_file.parent]


class Add2023FGR1(_Add2023):
    name = "add2023-fg-r1"
    description = "ADD 2023 track 1.2 (fake game detection), round 1 test set (Mandarin)"
    track = "FG-R1"
    round_dir = "testR1"
    record = 12175884


class Add2023FGR2(_Add2023):
    name = "add2023-fg-r2"
    description = "ADD 2023 track 1.2 (fake game detection), round 2 test set (Mandarin)"
    track = "FG-R2"
    round_dir = "testR2"
    record = 12176326


@hookimpl
def fakebench_register_datasets():
    return [Add2023FGR1, Add2023FGR2]
