"""``add2022-lf``, ``add2022-pf``, ``add2022-fg-r1``, ``add2022-fg-r2``: the ADD 2022 challenge test sets.

Corpus: the first Audio Deep synthesis Detection challenge (ADD 2022), Mandarin speech
(genuine, and fakes from TTS and VC systems). Tracks:
LF (track 1, low-quality fake audio: genuine and fully fake utterances with real-world
noise), PF (track 2, partially fake audio: genuine utterances with real or synthesised
segments spliced in) and FG (track 3.2, fake game detection, two rounds R1 and R2
whose fakes come from the track 3.1 generation teams). All tracks share one training and
one development set. Counts (challenge plan, as tabled by participants): train 27,084
(3,012 genuine, 24,072 fake), dev 28,324 (2,307 genuine, 26,017 fake), track 1 test
109,199, track 2 test 100,625 (per-label test counts: see the released label files).
Since 2024 the data and every test set's labels are public on Zenodo, record by record
(ADD 2022 paper, arXiv:2202.08433v3): Train&Dev 12188127, Adaptation 12188083, Track1
eval 10843991, Track2 eval 12187997, Track3.2 R1 eval 12188035, Track3.2 R2 eval
12188055. The Speech DF Arena (github.com/Speech-Arena/speech_df_arena) scores track 1
and track 3.

URL: http://addchallenge.cn and the Zenodo records above (download by hand: the
records' file names are not known to fakebench).
License: CC BY-NC-ND 4.0.
Citation: J. Yi, R. Fu, J. Tao, S. Nie, H. Ma, C. Wang, T. Wang, Z. Tian, X. Zhang, Y.
Bai et al., "ADD 2022: the First Audio Deep Synthesis Detection Challenge", ICASSP 2022.

Layout on disk (the test archives unpacked in one folder)::

    <data root>/ADD2022/                  (or the folders directly in the data root)
      track1test/ADD_E1_00000000.wav ...  track 1 (LF) test audio
      track1_label.txt                    LF labels                          ASSUMED name
      track2test/ADD_E2_*.wav             track 2 (PF) test audio            ASSUMED names
      track2_label.txt                    PF labels                          ASSUMED name
      track3test/ADD_E3_*.wav             track 3.2 test audio (per round)
      track3_R1_label.txt  track3_R2_label.txt
      train/label.txt  train/wav/*.wav    training set (official protocol)   ASSUMED
      dev/label.txt    dev/wav/*.wav      development set                    ASSUMED

Label lines have 2 space-separated fields, ``FILE LABEL`` with LABEL ``genuine`` (0) or
``fake`` (1), e.g. ``ADD_E3_00000000.wav fake``. What fakebench knows and from where:
the track 1 test folder and file names (``add2022/track1test/ADD_E1_00000000.wav`` in a
public copy of the Arena's test set, shuohann/df_eval), the track 3 round-1 folder
``track3test/`` of ``ADD_E3_*.wav`` files with the label file ``track3_R1_label.txt``
and the line format (the SpeechAntiSpoofingBenchmarks ``ADD22_eval_31`` card). The other
names marked ASSUMED follow the same pattern and are not confirmed; when a release names
them differently, pass ``label_file=PATH`` and ``audio_dir=DIR`` (``--set``), or rename.
The audio folder is the first of ``audio_dir``, ``<label dir>/<test folder>``,
``<label dir>/wav`` and ``<label dir>`` that holds the first file listed. Every file of
a track shares one folder.

Per clip: attribute ``track`` (``LF``, ``PF``, ``FG-R1``, ``FG-R2``; ``train``/``dev``
in the official protocol). ADD labels name no attack or speaker.

Protocols: ``eval-only`` (default) — the track's test set, all in ``eval`` (what the
Arena and papers report); ``official`` — the shared training and development sets ->
train / val (ASSUMED layout above), the track's test set -> eval.
"""

from __future__ import annotations

from pathlib import Path

from fakebench.api import hookimpl

from ._add import AddTestSet

URL = "http://addchallenge.cn"


class _Add2022(AddTestSet):
    """One ADD 2022 test set; subclasses set the track, its folder, label file and Zenodo record."""

    url = URL
    license = "CC BY-NC-ND 4.0"
    citation = "Yi et al., ADD 2022: the First Audio Deep Synthesis Detection Challenge, ICASSP 2022"
    folder = "ADD2022"
    track = "LF"
    test_dir = "track1test"
    label_names: tuple[str, ...] = ("track1_label.txt",)
    record = 10843991
    label_example = "ADD_E1_00000000.wav fake"

    def instructions(self) -> str:
        return (f"download the {self.track} test set (https://zenodo.org/records/{self.record}, listed on {URL}) "
                f"and unpack it in DIR/{self.folder}/ (giving {self.test_dir}/ and {self.label_names[0]}), "
                "then pass --data-root DIR; for other file names set label_file= and audio_dir=")

    def label_candidates(self, base: Path) -> list[Path]:
        """``<name>`` in the corpus folder or in the test folder, for each of ``label_names``."""
        return [folder / name for name in self.label_names for folder in (base, base / self.test_dir)]

    def audio_candidates(self, label_file: Path) -> list[Path]:
        return [label_file.parent / self.test_dir, label_file.parent / "wav", label_file.parent]


class Add2022LF(_Add2022):
    name = "add2022-lf"
    description = "ADD 2022 track 1 (LF): low-quality genuine vs fully fake Mandarin speech, test set"
    track = "LF"
    test_dir = "track1test"
    label_names = ("track1_label.txt", "label.txt")
    record = 10843991


class Add2022PF(_Add2022):
    name = "add2022-pf"
    description = "ADD 2022 track 2 (PF): genuine vs partially fake Mandarin speech, test set"
    track = "PF"
    test_dir = "track2test"
    label_names = ("track2_label.txt", "label.txt")
    record = 12187997


class Add2022FGR1(_Add2022):
    name = "add2022-fg-r1"
    description = "ADD 2022 track 3.2 (FG detection), round 1 test set"
    track = "FG-R1"
    test_dir = "track3test"
    label_names = ("track3_R1_label.txt",)
    record = 12188035


class Add2022FGR2(_Add2022):
    name = "add2022-fg-r2"
    description = "ADD 2022 track 3.2 (FG detection), round 2 test set"
    track = "FG-R2"
    test_dir = "track3test"
    label_names = ("track3_R2_label.txt",)
    record = 12188055


@hookimpl
def fakebench_register_datasets():
    return [Add2022LF, Add2022PF, Add2022FGR1, Add2022FGR2]
