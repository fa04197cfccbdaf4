"""Tiny copies of each corpus' real on-disk layout, built from the real clips in ../shared.

Every builder writes the official folder names, protocol files in the official line
formats, and real audio (the shared Foley and speech clips, copied or converted: FLAC at
16 kHz for ASVspoof) into a folder, and returns what the tests need to check the loader
(the expected clips per split, with their attributes).
"""

from __future__ import annotations

import atexit
import csv
import functools
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from conftest import SHARED

FOLEY = SHARED / "data" / "foley"
SPEECH = SHARED / "data" / "speech"


def _rows(folder: Path) -> list[dict]:
    with open(folder / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


def foley_rows() -> list[dict]:
    return _rows(FOLEY)


def speech_rows() -> list[dict]:
    return _rows(SPEECH)


def convert(src: Path, dst: Path, *, sr: int | None = None, seconds: float | None = None,
            fmt: str | None = None, subtype: str | None = "PCM_16") -> Path:
    """Read a real clip, optionally crop and resample it, write it as ``dst`` (format from suffix)."""
    from scipy.signal import resample_poly

    wave, orig = sf.read(str(src), dtype="float32", always_2d=True)
    wave = wave.mean(axis=1)
    if seconds is not None:
        wave = wave[: int(seconds * orig)]
    if sr is not None and sr != orig:
        g = np.gcd(sr, orig)
        wave = resample_poly(wave, sr // g, orig // g).astype(np.float32)
    else:
        sr = orig
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.suffix.lower() in (".ogg", ".mp3"):
        subtype = None
    sf.write(str(dst), np.clip(wave, -1, 1), sr, format=fmt, subtype=subtype)
    return dst


@dataclass
class Layout:
    root: Path
    expected: dict = field(default_factory=dict)   # split -> {id: dict of expected fields}
    extra: dict = field(default_factory=dict)


# -- DCASE 2023 Task 7 ---------------------------------------------------------------------------

CAMEL = {"dog_bark": "DogBark", "footstep": "Footstep", "gunshot": "GunShot", "keyboard": "Keyboard",
         "moving_motor_vehicle": "MovingMotorVehicle", "rain": "Rain", "sneeze_cough": "Sneeze_Cough"}
#: shared Foley generators -> anonymised DCASE-style submission ids (track from the id)
DCASE_SYSTEMS = {"t-foley-film": "TASys02", "mamba-foley": "TASys08", "t-foley-tfilm": "TBSys09",
                 "attention-foley": "TBSys18"}


def dcase23(root: Path, fakes_per_system: int = 5, n_real: int = 21) -> Layout:
    """21 real clips (dev in CamelCase class folders as in the original release, eval in
    snake_case as on Zenodo) and ``fakes_per_system`` clips of 4 systems over tracks A and B."""
    rows = foley_rows()
    real = [r for r in rows if r["label"] == "real"][:n_real]
    lay = Layout(root)
    data = root / "DCASE_2023_Challenge_Task_7_Dataset"
    sub = root / "DCASE_2023_Challenge_Task_7_Submission" / "AudioFiles" / "Submissions"
    clips = {}
    for i, r in enumerate(real):
        part = "dev" if i % 3 else "eval"
        cls_dir = CAMEL[r["class"]] if part == "dev" else r["class"]
        name = f"{i:03d}.wav"
        shutil.copyfile(FOLEY / r["path"], _mk(data / part / cls_dir / name))
        clips[f"real/{part}/{r['class']}/{i:03d}"] = {"label": 0, "cls": r["class"], "system": None,
                                                      "attrs": {"set": part}}
    for system, sid in DCASE_SYSTEMS.items():
        fakes = [r for r in rows if r["system"] == system][:fakes_per_system]
        track = sid[1]
        for j, r in enumerate(fakes):
            name = f"{sid}_{j:02d}.wav"
            shutil.copyfile(FOLEY / r["path"], _mk(sub / track / sid / r["class"] / name))
            clips[f"fake/{track}/{sid}/{r['class']}/{name[:-4]}"] = {"label": 1, "cls": r["class"], "system": sid,
                                                                    "attrs": {"track": track}}
    lay.expected = clips
    return lay


def _mk(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# -- ASVspoof 2019 ---------------------------------------------------------------------------------

def _speech_pool():
    rows = speech_rows()
    real = [r for r in rows if r["label"] == "real" and r["system"] == "librispeech"]
    fake = [r for r in rows if r["label"] == "fake"]
    return real, fake


ATTACKS = {"train": ["A01", "A02", "A03", "A04", "A05", "A06"], "dev": ["A01", "A02", "A03", "A04", "A05", "A06"],
           "eval": ["A07", "A08", "A10", "A13", "A17", "A19"]}
SPLIT_OF = {"train": "train", "dev": "val", "eval": "eval"}
PA_ENVS = ["aaa", "abc", "bca", "ccc", "bab", "cab"]
PA_ATTACKS = ["AA", "AB", "BC", "CC", "BA", "CB"]


def asvspoof19(root: Path, track: str = "LA", per_split: dict | None = None, seconds: float = 2.0,
               asv_scores: bool = True) -> Layout:
    """``root/<track>/`` as LA.zip/PA.zip unpack: 3 CM protocols, FLAC audio, ASV scores."""
    per_split = per_split or {"train": (6, 6), "dev": (3, 3), "eval": (5, 5)}
    real, fake = _speech_pool()
    base = root / track
    lay = Layout(root)
    expected = {}
    code = {"train": "T", "dev": "D", "eval": "E"}
    ri = fi = 0
    for part, (n_real, n_fake) in per_split.items():
        lines = []
        for k in range(n_real + n_fake):
            spoof = k >= n_real
            r = fake[fi % len(fake)] if spoof else real[ri % len(real)]
            fi, ri = (fi + 1, ri) if spoof else (fi, ri + 1)
            fid = f"{track}_{code[part]}_{1000001 + 37 * k + (7 if spoof else 0)}"
            speaker = f"{track}_{79 + (k % 4):04d}"
            attack = ATTACKS[part][k % 6] if spoof else "-"
            if track == "PA":
                env = PA_ENVS[k % len(PA_ENVS)]
                attack = PA_ATTACKS[k % 6] if spoof else "-"
            else:
                env = "-"
            lines.append(f"{speaker} {fid} {env} {attack} {'spoof' if spoof else 'bonafide'}")
            convert(SPEECH / r["path"], base / f"ASVspoof2019_{track}_{part}" / "flac" / f"{fid}.flac", sr=16000,
                    seconds=seconds)
            exp = {"label": int(spoof), "speaker": speaker, "system": attack if spoof else None}
            if track == "PA":
                exp["attrs"] = {"environment": env, "room_size": env[0], "t60": env[1], "talker_distance": env[2]}
                if spoof:
                    exp["attrs"].update(attacker_distance=attack[0], device_quality=attack[1])
            expected.setdefault(SPLIT_OF[part], {})[fid] = exp
        kind = "trn" if part == "train" else "trl"
        proto = base / f"ASVspoof2019_{track}_cm_protocols" / f"ASVspoof2019.{track}.cm.{part}.{kind}.txt"
        _mk(proto).write_text("\n".join(lines) + "\n")
    if asv_scores:
        rng = np.random.default_rng(0)
        for part in ("dev", "eval"):
            rows = ([("bonafide", "target", rng.normal(3, 1)) for _ in range(20)]
                    + [("bonafide", "nontarget", rng.normal(-3, 1)) for _ in range(30)]
                    + [(ATTACKS[part][i % 6], "spoof", rng.normal(1, 1)) for i in range(25)])
            path = base / f"ASVspoof2019_{track}_asv_scores" / f"ASVspoof2019.{track}.asv.{part}.gi.trl.scores.txt"
            _mk(path).write_text("".join(f"{s} {k} {v:.6f}\n" for s, k, v in rows))
            lay.extra[f"asv_{part}"] = rows
    lay.expected = expected
    return lay


# -- ASVspoof 2021 ---------------------------------------------------------------------------------

LA21_CODECS = [("none", "loc_tx"), ("alaw", "ita_tx"), ("pstn", "sin_tx"), ("g722", "mad_tx"), ("ulaw", "loc_tx"),
               ("gsm", "ita_tx"), ("opus", "sin_tx")]
DF21_CODECS = ["nocodec", "low_mp3", "high_mp3", "low_m4a", "high_m4a", "low_ogg", "high_ogg", "mp3m4a", "oggm4a"]
DF21_SOURCES = ["asvspoof", "vcc2018", "vcc2020"]
VOCODERS = ["traditional_vocoder", "neural_vocoder_autoregressive", "neural_vocoder_nonautoregressive",
            "waveform_concatenation", "unknown"]
SUBSETS = ["eval", "progress", "hidden"]


def asvspoof21(root: Path, track: str = "LA", n_real: int = 6, n_fake: int = 9, seconds: float = 2.0) -> Layout:
    """2021 eval audio + keys/<track>/CM/trial_metadata.txt, plus a small ASVspoof 2019 LA for training.

    DF audio is split over two part folders (as the four DF archives can be unpacked),
    LA audio sits in ASVspoof2021_LA_eval/flac.
    """
    lay = asvspoof19(root, "LA", per_split={"train": (4, 4), "dev": (2, 2), "eval": (1, 1)}, seconds=seconds,
                     asv_scores=False)
    real, fake = _speech_pool()
    lines, expected = [], {}
    for k in range(n_real + n_fake):
        spoof = k >= n_real
        r = fake[k % len(fake)] if spoof else real[(k + 20) % len(real)]
        subset = SUBSETS[k % 3]
        key = "spoof" if spoof else "bonafide"
        if track == "LA":
            fid = f"LA_E_{9000001 + 101 * k}"
            codec, tx = LA21_CODECS[k % len(LA21_CODECS)]
            speaker = f"LA_{9 + k % 3:04d}"
            attack = ATTACKS["eval"][k % 6] if spoof else "bonafide"
            trim = "notrim"
            lines.append(f"{speaker} {fid} {codec} {tx} {attack} {key} {trim} {subset}")
            attrs = {"codec": codec, "transmission": tx, "subset": subset, "trim": trim}
            folder = root / "ASVspoof2021_LA_eval" / "flac"
        else:
            fid = f"DF_E_{2000011 + 13 * k}"
            codec, source = DF21_CODECS[k % len(DF21_CODECS)], DF21_SOURCES[k % 3]
            vcc = source.startswith("vcc") and spoof
            speaker = f"T{'EF' if k % 2 else 'MF'}{k % 3}" if vcc else f"LA_{23 + k % 3:04d}"
            attack = (f"Task{1 + k % 2}-team{10 + k}" if vcc else ATTACKS["eval"][k % 6]) if spoof else "-"
            vocoder = VOCODERS[k % len(VOCODERS)] if spoof else "bonafide"
            extra = f"Task{1 + k % 2} team{10 + k} FF E" if vcc else "- - - -"
            trim = "notrim" if subset != "hidden" else "trim"
            lines.append(f"{speaker} {fid} {codec} {source} {attack} {key} {trim} {subset} {vocoder} {extra}")
            attrs = {"codec": codec, "source_corpus": source, "vocoder": vocoder, "subset": subset, "trim": trim}
            if vcc:
                attrs.update(vcc_task=f"Task{1 + k % 2}", vcc_team=f"team{10 + k}")
            part = f"ASVspoof2021_DF_eval_part0{k % 2}"
            folder = root / part / "ASVspoof2021_DF_eval" / "flac"
        convert(SPEECH / r["path"], folder / f"{fid}.flac", sr=16000, seconds=seconds)
        expected[fid] = {"label": int(spoof), "speaker": speaker, "system": attack if spoof else None,
                         "attrs": attrs, "path": folder / f"{fid}.flac"}
    meta = root / "keys" / track / "CM" / "trial_metadata.txt"
    _mk(meta).write_text("\n".join(lines) + "\n")
    lay.expected = {"train": lay.expected["train"], "val": lay.expected["val"], "eval": expected}
    return lay


# -- In-the-Wild ------------------------------------------------------------------------------------

ITW_SPEAKERS = ["Alec Guinness", "Barack Obama", "Angela Merkel", "Donald Trump", "Ronald Reagan", "Joe Biden"]


def itw(root: Path, n: int = 30, seconds: float = 2.0) -> Layout:
    """``release_in_the_wild/meta.csv`` + ``<n>.wav`` (16 kHz WAV), 6 speakers with real and fake clips."""
    real, fake = _speech_pool()
    folder = root / "release_in_the_wild"
    rows, expected = [], {}
    for k in range(n):
        spoof = k % 3 == 0
        r = fake[k % len(fake)] if spoof else real[k % len(real)]
        speaker = ITW_SPEAKERS[k % len(ITW_SPEAKERS)]
        convert(SPEECH / r["path"], folder / f"{k}.wav", sr=16000, seconds=seconds)
        rows.append((f"{k}.wav", speaker, "spoof" if spoof else "bona-fide"))
        expected[str(k)] = {"label": int(spoof), "speaker": speaker, "system": None}
    with open(folder / "meta.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "speaker", "label"])
        w.writerows(rows)
    return Layout(root, expected)


# -- MLAAD ------------------------------------------------------------------------------------------

MLAAD_MODELS = [("tts_models_en_ljspeech_vits", "tts_models/en/ljspeech/vits", "vits"),
                ("tts_models_en_ljspeech_glow-tts", "tts_models/en/ljspeech/glow-tts", "glow-tts"),
                ("tts_models_en_ljspeech_tacotron2-DDC", "tts_models/en/ljspeech/tacotron2-DDC", "tacotron2")]
SENTENCES = ["the old mill stood by the river", "she opened the letter with care",
             "a cold wind came down from the hills", "they waited for the evening train",
             "nothing was said about the matter again", "he counted the coins on the table"]


def mlaad(root: Path, per_model: int = 5, seconds: float = 2.0) -> Layout:
    """``MLAAD/fake/en/<model>/meta.csv`` + WAVs, and the M-AILABS originals in ``mailabs/en_US``."""
    real, fake = _speech_pool()
    expected = {}
    header = "path|original_file|language|is_original_language|duration|training_data|model_name|architecture|transcript"
    k = 0
    for m, (folder_name, model, arch) in enumerate(MLAAD_MODELS):
        folder = root / "MLAAD" / "fake" / "en" / folder_name
        lines = [header]
        for j in range(per_model):
            src_real = real[(m * 2 + j) % 8]        # overlapping originals across models, like MLAAD
            speaker = "judy_bieber" if (m * 2 + j) % 8 < 4 else "mary_ann"
            book = "dorothy_and_wizard_oz" if speaker == "judy_bieber" else "northandsouth"
            stem = f"{book}_{(m * 2 + j) % 8:02d}_f{(m * 2 + j) % 8:06d}"
            original = f"en_US/by_book/female/{speaker}/{book}/wavs/{stem}.wav"
            text = SENTENCES[(m * 2 + j) % 8 % len(SENTENCES)]
            dst = root / "mailabs" / original
            if not dst.exists():
                convert(SPEECH / src_real["path"], dst, sr=16000, seconds=seconds)
                expected[f"real/{original[:-4]}"] = {"label": 0, "speaker": speaker, "transcript": text,
                                                     "system": None}
            f_row = fake[k % len(fake)]
            name = f"{k:04d}.wav"
            convert(SPEECH / f_row["path"], folder / name, sr=22050, seconds=seconds)
            lines.append(f"./fake/en/{folder_name}/{name}|{original}|en|True|{seconds:.3f}|ljspeech|{model}|{arch}|{text}")
            expected[f"fake/en/{folder_name}/{name[:-4]}"] = {"label": 1, "system": model, "transcript": text,
                                                              "attrs": {"architecture": arch, "language": "en"},
                                                              "duration": seconds}
            k += 1
        _mk(folder / "meta.csv").write_text("\n".join(lines) + "\n")
    return Layout(root, expected)


# -- EnvSDD -----------------------------------------------------------------------------------------

def envsdd(root: Path, n_dev: int = 6, n_test: int = 10) -> Layout:
    """EnvSDD development (real + TTA/ATA fakes with the real clip's name), test_track1 and
    eval_track1, dev_track2 black-box, and the challenge CSVs in ``metadata/``."""
    rows = foley_rows()
    real = [r for r in rows if r["label"] == "real"]
    fake = [r for r in rows if r["label"] == "fake"]
    base = root / "EnvSDD"
    dev = base / "development"
    gens = [("TTA", "audiogen"), ("TTA", "audioldm2"), ("ATA", "audioldm1")]
    sources = ["UrbanSound8K", "DCASE2023T7"]
    meta = base / "metadata"
    dev_rows, expected = [], {"train": {}, "val": {}, "eval": {}}
    for i in range(n_dev):
        name = f"clip_{i:03d}.wav"
        source = sources[i % 2]
        usage = "validation" if i % 3 == 2 else "train"
        split = "val" if usage == "validation" else "train"
        convert(FOLEY / real[i]["path"], dev / "real_audio" / source / name, sr=16000)
        expected[split][f"dev/real/{source}/{name[:-4]}"] = {"label": 0, "system": None,
                                                             "attrs": {"source_dataset": source}}
        for g, (t, m) in enumerate(gens):
            convert(FOLEY / fake[(i * 3 + g) * 2]["path"], dev / "fake_audio" / t / m / source / name, sr=16000)
            expected[split][f"dev/{t.lower()}/{m}/{source}/{name[:-4]}"] = {
                "label": 1, "system": f"{t.lower()}/{m}", "attrs": {"fake_type": t.lower(), "source_dataset": source}}
        dev_rows.append((name, source, "4.0", usage))
    _write_csv(meta / "dev_track1.csv", ["filename", "dataset", "duration", "usage"], dev_rows)
    test_rows, eval_rows = [], []
    test_gens = ["G05", "G06", "G07"]
    for i in range(n_test):
        name = f"test_{i:04d}.wav"
        is_real = i % 2 == 0
        src = real[(n_dev + i) % len(real)] if is_real else fake[(40 + i * 3) % len(fake)]
        convert(FOLEY / src["path"], base / "test_track1" / name, sr=16000)
        ftype = "real" if is_real else ("tta" if i % 4 == 1 else "ata")
        gen = "real" if is_real else test_gens[i % 3]
        test_rows.append((name, f"src_{i}.wav", "Clotho", ftype, gen))
        expected["eval"][f"test1/{name}"] = {"label": int(not is_real), "system": None if is_real else gen,
                                             "attrs": {"source_dataset": "Clotho", **({} if is_real else {"fake_type": ftype})}}
        if i < 4:
            shutil.copyfile(base / "test_track1" / name, _mk(base / "eval_track1" / name))
            eval_rows.append((name, "real" if is_real else "fake"))
    _write_csv(meta / "test_track1.csv", ["filename", "source_filename", "source_dataset", "fake_type", "generator"],
               test_rows)
    _write_csv(meta / "eval_track1.csv", ["filename", "label"], eval_rows)
    bb_rows = []
    for i in range(4):
        name = f"bb_{i:03d}.wav"
        src = real[(i + 10) % len(real)] if i % 2 else fake[(i * 7 + 1) % len(fake)]
        convert(FOLEY / src["path"], base / "dev_track2" / name, sr=16000)
        bb_rows.append((name, "real" if i % 2 else "fake", "validation" if i == 3 else "train"))
    _write_csv(meta / "dev_track2.csv", ["filename", "label", "usage"], bb_rows)
    return Layout(root, expected, {"blackbox": bb_rows, "eval_rows": eval_rows})


def _write_csv(path: Path, header, rows) -> None:
    _mk(path)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


# -- folder -----------------------------------------------------------------------------------------

def folder(root: Path, splits: bool = False) -> Layout:
    """``real/`` and ``fake/<system>/`` (WAV, FLAC, OGG, MP3), optionally under train/val/eval."""
    real, fake = _speech_pool()
    expected = {}
    formats = [".wav", ".flac", ".ogg", ".mp3"]
    systems = ["vits", "glow-tts", "tacotron2"]
    parts = ["train", "train", "train", "dev", "test"] if splits else [""]
    for k in range(15):
        part = parts[k % len(parts)]
        top = root / part if part else root
        ext = formats[k % 4]
        r = real[k]
        rel = f"real/spk{k % 3}/r{k:02d}{ext}"
        convert(SPEECH / r["path"], top / rel, sr=16000, seconds=1.5)
        key = f"{part}/{rel}" if part else rel
        expected[key] = {"label": 0, "system": None}
        f = fake[k]
        sysname = systems[k % 3]
        rel = f"fake/{sysname}/f{k:02d}{ext}"
        convert(SPEECH / f["path"], top / rel, sr=16000, seconds=1.5)
        key = f"{part}/{rel}" if part else rel
        expected[key] = {"label": 1, "system": sysname}
    return Layout(root, expected)


# -- shared, built once per test session ----------------------------------------------------------

@functools.cache
def cached(kind: str, *args) -> Layout:
    """The layout ``kind`` (a builder above) built once per session in a temporary folder."""
    tmp = Path(tempfile.mkdtemp(prefix=f"fb-{kind}-"))
    atexit.register(shutil.rmtree, tmp, True)
    return globals()[kind](tmp / "data", *args)
