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


# -- speech test sets of Speech DF Arena and recent papers -------------------------------------------

def _speech(system: str) -> list[dict]:
    return [r for r in speech_rows() if r["system"] == system]


def _write_lines(path: Path, lines) -> Path:
    _mk(path).write_text("".join(f"{line}\n" for line in lines))
    return path


FOR_FOLDERS = {"for-original": "for-original", "for-norm": "for-norm", "for-2sec": "for-2seconds",
               "for-rerecorded": "for-rerecorded"}


def fake_or_real(root: Path, version: str = "for-norm", per_split: dict | None = None, seconds: float = 1.0) -> Layout:
    """``<version>/{training,validation,testing}/{real,fake}/`` as the FoR archives unpack; the
    same file name under real/ and fake/ as in for-norm (for-original mixes WAV and MP3)."""
    per_split = per_split or {"training": 4, "validation": 2, "testing": 3}
    real, fake = _speech_pool()
    split_of = {"training": "train", "validation": "val", "testing": "eval"}
    sr = None if version == "for-original" else 16000
    base = root / FOR_FOLDERS[version]
    expected: dict = {}
    k = 0
    for part, n in per_split.items():
        for j in range(n):
            for label_dir, label, pool in (("real", 0, real), ("fake", 1, fake)):
                if version == "for-original":
                    name = f"file{k}.{'mp3' if j % 2 else 'wav'}"
                else:
                    name = f"file{k}.wav_16k.wav_norm.wav_mono.wav_silence.wav"
                r = pool[k % len(pool)]
                convert(SPEECH / r["path"], base / part / label_dir / name, sr=sr, seconds=seconds)
                expected.setdefault(split_of[part], {})[f"{part}/{label_dir}/{name}"] = {
                    "label": label, "attrs": {"format": name.rsplit(".", 1)[-1]}}
            k += 1
    (base / "testing" / "real" / "README.txt").write_text("not audio\n")  # must be ignored
    return Layout(root, expected)


WAVEFAKE_GENERATORS = [("ljspeech_melgan", "_gen", "melgan"), ("ljspeech_waveglow", "", "waveglow"),
                       ("ljspeech_hifiGAN", "_generated", "hifiGAN"),
                       ("ljspeech_parallel_wavegan", "_gen", "parallel_wavegan")]
WAVEFAKE_TTS = "common_voices_prompts_from_conformer_fastspeech2_pwg_ljspeech"


def wavefake(root: Path, seconds: float = 1.0) -> Layout:
    """``generated_audio/<generator>/`` (LJSpeech and JSUT vocoders, the TTS folder and its
    nested duplicate), ``LJSpeech-1.1/wavs/`` and ``jsut_ver1.1/basic5000/wav/``."""
    lj_real = [r for r in speech_rows() if r["path"].startswith("wavefake/real/")]
    wf_fake = _speech("wavefake-vocoder")
    others = [r for r in speech_rows() if r["label"] == "fake" and r["system"] != "wavefake-vocoder"]
    gen = root / "generated_audio"
    expected: dict = {}
    for r in lj_real:  # LJ001-0001 ... LJ001-0005
        stem = Path(r["path"]).stem
        convert(SPEECH / r["path"], root / "LJSpeech-1.1" / "wavs" / f"{stem}.wav", seconds=seconds)
        expected[f"ljspeech/{stem}"] = {"label": 0, "system": None,
                                        "attrs": {"source_corpus": "ljspeech", "language": "en", "utterance": stem}}
    for g, (folder, suffix, vocoder) in enumerate(WAVEFAKE_GENERATORS):
        for j, r in enumerate(lj_real[:3]):
            stem = Path(r["path"]).stem
            src = wf_fake[j] if folder == "ljspeech_melgan" else others[(g * 3 + j) % len(others)]
            name = f"{stem}{suffix}.wav"
            convert(SPEECH / src["path"], gen / folder / name, seconds=seconds)
            expected[f"{folder}/{stem}{suffix}"] = {"label": 1, "system": folder, "attrs": {
                "vocoder": vocoder, "source_corpus": "ljspeech", "language": "en", "utterance": stem}}
    for j in range(2):  # TTS clips, and the nested duplicate folder of the release
        src = others[10 + j]
        convert(SPEECH / src["path"], gen / WAVEFAKE_TTS / f"gen_{j}.wav", seconds=seconds)
        shutil.copyfile(gen / WAVEFAKE_TTS / f"gen_{j}.wav", _mk(gen / WAVEFAKE_TTS / "generated" / f"gen_{j}.wav"))
        expected[f"{WAVEFAKE_TTS}/gen_{j}"] = {"label": 1, "system": WAVEFAKE_TTS, "attrs": {
            "vocoder": "conformer_fastspeech2_pwg", "source_corpus": "ljspeech", "language": "en"}}
    jsut = {}
    for j in range(3):  # JSUT: 48 kHz real, 24 kHz vocoded
        stem = f"BASIC5000_{j + 1:04d}"
        convert(SPEECH / lj_real[j]["path"], root / "jsut_ver1.1" / "basic5000" / "wav" / f"{stem}.wav", sr=48000,
                seconds=seconds)
        jsut[f"jsut/{stem}"] = {"label": 0, "system": None,
                                "attrs": {"source_corpus": "jsut", "language": "ja", "utterance": stem}}
        convert(SPEECH / others[20 + j]["path"], gen / "jsut_multi_band_melgan" / f"{stem}_gen.wav", sr=24000,
                seconds=seconds)
        jsut[f"jsut_multi_band_melgan/{stem}_gen"] = {"label": 1, "system": "jsut_multi_band_melgan", "attrs": {
            "vocoder": "multi_band_melgan", "source_corpus": "jsut", "language": "ja", "utterance": stem}}
    return Layout(root, expected, {"jsut": jsut})


LIBRISEVOC_VOCODERS = ("diffwave", "melgan", "parallel_wave_gan", "wavegrad", "wavenet", "wavernn")


def librisevoc(root: Path, per_split: dict | None = None, seconds: float = 1.0) -> Layout:
    """``LibriSeVoc/gt/`` (24 kHz, LibriTTS names), six vocoder folders of ``*_gen.wav`` and
    the split lists ``train.txt``, ``dev.txt``, ``test.txt``."""
    per_split = per_split or {"train": 2, "dev": 1, "test": 2}
    real, fake = _speech_pool()
    base = root / "LibriSeVoc"
    split_of = {"train": "train", "dev": "val", "test": "eval"}
    expected: dict = {}
    k = 0
    for part, n in per_split.items():
        names = []
        for _ in range(n):
            r = real[k]
            reader, chapter, utt = Path(r["path"]).stem.split("-")
            stem = f"{reader}_{chapter}_{int(utt):06d}_{k:06d}"
            names.append(f"{stem}.wav")
            convert(SPEECH / r["path"], base / "gt" / f"{stem}.wav", sr=24000, seconds=seconds)
            expected.setdefault(split_of[part], {})[f"gt/{stem}"] = {
                "label": 0, "system": None, "speaker": reader, "attrs": {"utterance": stem}}
            for v, vocoder in enumerate(LIBRISEVOC_VOCODERS):
                f = fake[(k * 6 + v) % len(fake)]
                convert(SPEECH / f["path"], base / vocoder / f"{stem}_gen.wav", sr=24000, seconds=seconds)
                expected[split_of[part]][f"{vocoder}/{stem}"] = {
                    "label": 1, "system": vocoder, "speaker": reader, "attrs": {"utterance": stem}}
            k += 1
        _write_lines(base / f"{part}.txt", names)
    return Layout(root, expected)


DFADD_SYSTEMS = {"GradTTS": "GradTTS", "MatchaTTS": "matcha", "NaturalSpeech2": "NaturalSpeech2",
                 "PflowTTS": "pflow", "StyleTTS2": "StyleTTS2"}


def dfadd(root: Path, seconds: float = 1.0) -> Layout:
    """``DFADD/DATASET_<system>/{train,valid,test}`` + ``<split>.txt`` and
    ``DATASET_VCTK_BONAFIDE/<split>/``; spoofed audio FLAC or WAV; for one system the bona
    fide files are merged into its own folders (the README's advice)."""
    vctk = _speech("vctk")
    fakes = [r for r in speech_rows() if r["label"] == "fake"]
    base = root / "DFADD"
    split_of = {"train": "train", "valid": "val", "test": "eval"}
    expected: dict = {}
    u = 0
    for part in ("train", "valid", "test"):
        bona = []
        for j in range(2):
            r = vctk[(u + j) % len(vctk)]
            spk, utt = f"p{225 + (u + j) % 4}", f"{100 + u + j:03d}"
            bona.append((spk, f"{spk}_{utt}"))
            convert(SPEECH / r["path"], base / "DATASET_VCTK_BONAFIDE" / part / f"{spk}_{utt}.wav", sr=16000,
                    seconds=seconds)
            expected.setdefault(split_of[part], {})[f"{spk}_{utt}"] = {"label": 0, "system": None, "speaker": spk}
        u += 2
        for s, (system, suffix) in enumerate(DFADD_SYSTEMS.items()):
            spk, utt = f"p{230 + s}", f"{200 + u:03d}"
            fid = f"{spk}_{utt}_{suffix}"
            ext = ".flac" if s % 2 == 0 else ".wav"
            convert(SPEECH / fakes[(u * 5 + s) % len(fakes)]["path"], base / f"DATASET_{system}" / part / (fid + ext),
                    sr=16000, seconds=seconds)
            expected[split_of[part]][fid] = {"label": 1, "system": system, "speaker": spk}
            lines = [f"{b_spk} {b_id} - - bonafide" for b_spk, b_id in bona] + [f"{spk} {fid} - - spoof"]
            _write_lines(base / f"DATASET_{system}" / f"{part}.txt", lines)
            if system == "StyleTTS2":  # merged copy of the bona fide files in the subset's folder
                for _, b_id in bona:
                    shutil.copyfile(base / "DATASET_VCTK_BONAFIDE" / part / f"{b_id}.wav",
                                    base / f"DATASET_{system}" / part / f"{b_id}.wav")
            u += 1
    return Layout(root, expected)


SONAR_FAKES = {"OpenAI_fixed": ["onyx_21", "shimmer_52"], "xTTS": ["2391_29", "4088_31"], "AudioGen": ["68", "81"],
               "FlashSpeech": ["68", "38"], "VALLE": ["librispeech_1284-1180-0002_ours"]}


def sonar(root: Path, n_real: int = 6, seconds: float = 1.0) -> Layout:
    """``SONAR_dataset/real_samples/`` (LibriTTS-style names) and one folder per generator
    (file names repeat across folders, as in the release)."""
    real, fake = _speech_pool()
    base = root / "SONAR_dataset"
    expected: dict = {}
    for j in range(n_real):
        reader, chapter, utt = Path(real[j * 7]["path"]).stem.split("-")
        stem = f"{reader}_{chapter}_{int(utt):06d}_{j:06d}"
        convert(SPEECH / real[j * 7]["path"], base / "real_samples" / f"{stem}.wav", sr=24000, seconds=seconds)
        expected[f"real_samples/{stem}"] = {"label": 0, "system": None, "speaker": reader}
    k = 0
    for folder, stems in SONAR_FAKES.items():
        for stem in stems:
            convert(SPEECH / fake[k % len(fake)]["path"], base / folder / f"{stem}.wav", sr=24000, seconds=seconds)
            expected[f"{folder}/{stem}"] = {"label": 1, "system": folder, "speaker": None}
            k += 3
    return Layout(root, expected)


def codecfake(root: Path, seconds: float = 1.0) -> Layout:
    """``Codecfake/label/*.txt``, ``train/``, ``dev/``, ``test/C1``, ``test/C2``, ``test/A1`` and
    ``C7/`` at the top level (as NII's AntiDeepfake arranges it); real AISHELL-3 / VCTK names,
    fakes ``F0<k>_<name>``."""
    real, fake = _speech_pool()
    vctk = _speech("vctk")
    base = root / "Codecfake"
    expected: dict = {}
    parts = {"train": ("train", base / "train", "train"), "dev": ("dev", base / "dev", "val"),
             "C1": ("C1", base / "test" / "C1", "eval"), "C2": ("C2", base / "test" / "C2", "eval"),
             "C7": ("C7", base / "C7", "eval"), "A1": ("A1", base / "test" / "A1", "eval")}
    k = 0
    for cond, (label_name, folder, split) in parts.items():
        lines = []
        for j in range(2):
            if j == 0:
                name, spk, lang, src = f"SSB{5 + k:04d}{j + 1:04d}.wav", f"SSB{5 + k:04d}", "zh", real[k]
            else:
                name, spk, lang, src = f"p{228 + k}_0{k:02d}.wav", f"p{228 + k}", "en", vctk[k % len(vctk)]
            convert(SPEECH / src["path"], folder / name, sr=16000, seconds=seconds)
            lines.append(f"{name} real 0")
            expected.setdefault(split, {})[f"{cond}/{name[:-4]}"] = {
                "label": 0, "system": None, "speaker": spk, "attrs": {"condition": cond, "language": lang}}
            codec = {"C1": 1, "C2": 2, "C7": 7}.get(cond, 1 + (k + j) % 6)
            fname = f"F{codec:02d}_{name}"
            convert(SPEECH / fake[(k * 2 + j) % len(fake)]["path"], folder / fname, sr=16000, seconds=seconds)
            code = "3" if cond == "A1" else str(codec)
            lines.append(f"{fname} fake {code}")
            expected[split][f"{cond}/{fname[:-4]}"] = {
                "label": 1, "system": f"F{int(code):02d}", "speaker": spk, "attrs": {"condition": cond, "language": lang}}
            k += 1
        _write_lines(base / "label" / f"{label_name}.txt", lines)
    return Layout(root, expected)


def deepfake_eval_2024(root: Path, seconds: float = 1.5) -> Layout:
    """``Deepfake-Eval-2024/audio-metadata-publish.csv`` and ``audio-data/`` (WAV and MP3), with
    one ``Unknown`` row and one row in no Finetuning Set (both left out)."""
    real, fake = _speech_pool()
    base = root / "Deepfake-Eval-2024"
    rows, expected = [], {}
    for k in range(16):
        is_fake = k % 2 == 1
        src = fake[k] if is_fake else real[k]
        name = f"vid{k:02d}Abc-_x{k}_{k:04d}.{'mp3' if k % 4 == 3 else 'wav'}"
        convert(SPEECH / src["path"], base / "audio-data" / name, sr=16000, seconds=seconds)
        part = "Test" if k % 3 == 0 else "Train"
        date = f"2024-{1 + k % 12:02d}-{10 + k:02d}"
        rows.append([name, date, "Fake" if is_fake else "Real", "lip sync is off, says the label" if k == 5 else "",
                     part])
        expected[name] = {"label": int(is_fake), "split": "eval" if part == "Test" else "train",
                          "attrs": {"date": date, "format": name.rsplit(".", 1)[-1]}}
    convert(SPEECH / real[20]["path"], base / "audio-data" / "unlabelled_0001.wav", sr=16000, seconds=seconds)
    rows.append(["unlabelled_0001.wav", "2024-05-01", "Unknown", "", "Test"])
    convert(SPEECH / real[21]["path"], base / "audio-data" / "nosplit_0001.wav", sr=16000, seconds=seconds)
    rows.append(["nosplit_0001.wav", "2024-05-02", "Real", "", ""])
    _write_csv(base / "audio-metadata-publish.csv", ["Filename", "Date", "Ground Truth", "Public Comments",
                                                     "Finetuning Set"], rows)
    return Layout(root, expected)


def _add_set(folder: Path, label_file: Path, prefix: str, n: int, k0: int, seconds: float) -> dict:
    real, fake = _speech_pool()
    lines, expected = [], {}
    for j in range(n):
        is_fake = j % 2 == 1
        stem = f"{prefix}{k0 + j:08d}"
        src = fake[(k0 + j) % len(fake)] if is_fake else real[(k0 + j) % len(real)]
        convert(SPEECH / src["path"], folder / f"{stem}.wav", sr=16000, seconds=seconds)
        lines.append(f"{stem}.wav {'fake' if is_fake else 'genuine'}")
        expected[stem] = {"label": int(is_fake)}
    _write_lines(label_file, lines)
    return expected


def add2022(root: Path, n: int = 6, seconds: float = 1.0) -> Layout:
    """``ADD2022/`` with the track 1, 2 and 3.2 (R1, R2) test sets (audio folder + label file)
    and the shared train/dev sets (``label.txt`` + ``wav/``)."""
    base = root / "ADD2022"
    sets = {
        "add2022-lf": _add_set(base / "track1test", base / "track1_label.txt", "ADD_E1_", n, 0, seconds),
        "add2022-pf": _add_set(base / "track2test", base / "track2_label.txt", "ADD_E2_", n, 100, seconds),
        "add2022-fg-r1": _add_set(base / "track3test", base / "track3_R1_label.txt", "ADD_E3_", n, 200, seconds),
        "add2022-fg-r2": _add_set(base / "track3test", base / "track3_R2_label.txt", "ADD_E3_", n, 300, seconds),
        "train": _add_set(base / "train" / "wav", base / "train" / "label.txt", "ADD_T_", n, 400, seconds),
        "dev": _add_set(base / "dev" / "wav", base / "dev" / "label.txt", "ADD_D_", 4, 500, seconds),
    }
    return Layout(root, sets)


def add2023(root: Path, n: int = 6, seconds: float = 1.0) -> Layout:
    """``ADD2023/Track1.2/{testR1,testR2,train,dev}/{label.txt, wav/}``."""
    base = root / "ADD2023" / "Track1.2"
    sets = {name: _add_set(base / part / "wav", base / part / "label.txt", prefix, size, k0, seconds)
            for name, part, prefix, size, k0 in [
                ("add2023-fg-r1", "testR1", "ADD2023_T1.2R1_E_", n, 0),
                ("add2023-fg-r2", "testR2", "ADD2023_T1.2R2_E_", n, 100),
                ("train", "train", "ADD2023_T1.2_T_", n, 200),
                ("dev", "dev", "ADD2023_T1.2_D_", 4, 300)]}
    _write_lines(base / "testR2" / "log.txt", ["round 2 test set"])
    return Layout(root, sets)


# -- for CLI runs of test-only corpora ---------------------------------------------------------------

@functools.cache
def embedding_cache() -> Path:
    """One embedding cache folder for the session: the train manifest's clips are embedded once."""
    tmp = Path(tempfile.mkdtemp(prefix="fb-embcache-"))
    atexit.register(shutil.rmtree, tmp, True)
    return tmp


@functools.cache
def speech_train_manifest() -> Path:
    """A CSV manifest of 12 shared speech clips cut to 1 s (6 real, 6 fake; split train/val),
    the training set of cross-dataset runs on corpora that have no train split."""
    real, fake = _speech_pool()
    tmp = Path(tempfile.mkdtemp(prefix="fb-train-manifest-"))
    atexit.register(shutil.rmtree, tmp, True)
    rows = []
    for j in range(6):
        split = "val" if j == 5 else "train"
        for r, label in ((real[j * 9], "real"), (fake[j * 7], "fake")):
            dst = convert(SPEECH / r["path"], tmp / label / f"{j:02d}.wav", sr=16000, seconds=1.0)
            rows.append([str(dst.relative_to(tmp)), label, split, r["system"] if label == "fake" else ""])
    path = tmp / "train.csv"
    _write_csv(path, ["path", "label", "split", "system"], rows)
    return path


# -- ASVspoof 5 ---------------------------------------------------------------------------------------

A5_ATTACKS = {"train": [f"A{i:02d}" for i in range(1, 9)], "dev": [f"A{i:02d}" for i in range(9, 17)],
              "eval": [f"A{i:02d}" for i in range(17, 33)]}
A5_CODECS = ["-", "C01", "C03", "C05", "C08", "C11"]
A5_CODE = {"train": "T", "dev": "D", "eval": "E"}
A5_AUDIO = {"train": "flac_T", "dev": "flac_D", "eval": "flac_E_eval"}


def asvspoof5(root: Path, per_split: dict | None = None, seconds: float = 2.0, enroll_per_speaker: int = 2
              ) -> Layout:
    """``root/asvspoof5/`` as the Zenodo archives unpack: ``ASVspoof5_protocols/`` (track 1
    protocols, track 2 trial and enrolment lists, 10-field and 5-field lines),
    ``flac_T``/``flac_D``/``flac_E_eval`` with 16 kHz FLAC converted from the shared speech;
    codecs (with quality and seed) on dev/eval, attacker tags on spoofs. ``extra`` holds the
    trials per split, the enrolment lists and two ASV score files written beside the corpus
    (not part of the release): ``asv_eval`` in the challenge's header format and
    ``asv_dev`` in the 3-column format."""
    per_split = per_split or {"train": (6, 6), "dev": (4, 4), "eval": (6, 6)}
    real, fake = _speech_pool()
    base = root / "asvspoof5"
    proto = base / "ASVspoof5_protocols"
    lay = Layout(root)
    rng = np.random.default_rng(5)
    ri = fi = 0
    names = {"train": "ASVspoof5.train.tsv", "dev": "ASVspoof5.dev.track_1.tsv", "eval": "ASVspoof5.eval.track_1.tsv"}
    for part, (n_real, n_fake) in per_split.items():
        code = A5_CODE[part]
        folder = base / A5_AUDIO[part]
        lines, expected = [], {}
        speakers = [f"{code}_{1000 + 37 * j:04d}" for j in range(3)]
        clip_speaker = {}
        for k in range(n_real + n_fake):
            spoof = k >= n_real
            r = fake[fi % len(fake)] if spoof else real[ri % len(real)]
            fi, ri = (fi + 1, ri) if spoof else (fi, ri + 1)
            fid = f"{code}_{1000000 + 7919 * k:010d}"
            speaker = speakers[k % 3]
            gender = "F" if k % 2 else "M"
            codec = A5_CODECS[k % len(A5_CODECS)] if part != "train" else "-"
            codec_q = str(1 + k % 3) if codec != "-" else "-"
            seed = f"{code}_{2000000 + k:010d}" if codec != "-" else "-"
            tag = f"AC{1 + k % 3}" if spoof else "-"
            attack = A5_ATTACKS[part][k % len(A5_ATTACKS[part])] if spoof else "bonafide"
            key = "spoof" if spoof else "bonafide"
            tmp = " -" if k % 5 else ""       # the reserved TMP column may be absent
            lines.append(f"{speaker} {fid} {gender} {codec} {codec_q} {seed} {tag} {attack} {key}{tmp}")
            path = convert(SPEECH / r["path"], folder / f"{fid}.flac", sr=16000, seconds=seconds)
            attrs = {"gender": gender, "codec": "none" if codec == "-" else codec}
            if codec_q != "-":
                attrs["codec_q"] = codec_q
            if tag != "-":
                attrs["attack_tag"] = tag
            expected[fid] = {"label": int(spoof), "speaker": speaker, "system": attack if spoof else None,
                             "attrs": attrs, "path": path}
            clip_speaker[fid] = (speaker, gender, attack, spoof)
        _mk(proto / names[part]).write_text("\n".join(lines) + "\n")
        lay.expected[SPLIT_OF[part]] = expected
        if part == "train":
            continue
        # enrolment: utterances of each target speaker that are not in the track 1 list
        enroll, enroll_lines = {}, []
        for j, spk in enumerate(speakers):
            files = []
            for e in range(enroll_per_speaker):
                eid = f"{code}_{5000000 + 100 * j + e:010d}"
                convert(SPEECH / real[(ri + e) % len(real)]["path"], folder / f"{eid}.flac", sr=16000, seconds=seconds)
                files.append(eid)
            ri += enroll_per_speaker
            enroll[spk] = [folder / f"{f}.flac" for f in files]
            enroll_lines.append(f"{spk} {','.join(files)}")
        # trials: a bona fide clip against its own speaker (target) and another (nontarget),
        # a spoofed clip against the speaker it imitates
        trials = []
        for fid, (spk, gender, attack, spoof) in clip_speaker.items():
            if spoof:
                trials.append((spk, fid, gender, attack, "spoof"))
            else:
                other = speakers[(speakers.index(spk) + 1) % 3]
                trials.append((spk, fid, gender, "bonafide", "target"))
                trials.append((other, fid, "F" if gender == "M" else "M", "bonafide", "nontarget"))
        trial_name = "ASVspoof5.dev.track_2.trial.tsv" if part == "dev" else "ASVspoof5.eval.track_2.trial.tsv"
        enroll_name = trial_name.replace("trial", "enroll")
        _mk(proto / trial_name).write_text("".join(" ".join(t) + "\n" for t in trials))
        _mk(proto / enroll_name).write_text("\n".join(enroll_lines) + "\n")
        means = {"target": 2.0, "nontarget": -2.0, "spoof": 1.0}
        asv = [float(np.round(rng.normal(means[t[4]], 1.0), 4)) for t in trials]
        score_file = root / f"asv_scores_{part}.tsv"
        if part == "eval":   # the challenge's score format: a header, tab-separated, '-' for absent systems
            rows = ["spk\tfilename\tcm-score\tasv-score\tsasv-score"]
            rows += [f"{t[0]}\t{t[1]}\t-\t{v}\t-" for t, v in zip(trials[::-1], asv[::-1])]
        else:
            rows = [f"{t[0]} {t[1]} {v}" for t, v in zip(trials, asv)]
        score_file.write_text("\n".join(rows) + "\n")
        lay.extra[f"trials_{part}"] = trials
        lay.extra[f"enroll_{part}"] = enroll
        lay.extra[f"asv_{part}"] = score_file
        lay.extra[f"asv_values_{part}"] = asv
    (proto / "ASVspoof5.codec.config.csv").write_text("codec,codec_q,bitrate\nC01,1,6k\n")
    return lay
