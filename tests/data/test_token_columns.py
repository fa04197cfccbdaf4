"""The NumPy protocol reader gives the line reader's table, or hands the file back to it."""

from __future__ import annotations

import random

import numpy as np
import pytest

from fakebench.data.protocol_tables import build_table, iter_lines, load_table, save_table
from fakebench.data.token_columns import Layout, read_columns
from fakebench.errors import DatasetError
from fakebench.plugins.datasets.asvspoof21 import (DF_FIELDS, DF_LAYOUT, LA_FIELDS, LA_LAYOUT, parse_df_line,
                                                   parse_la_line)

CODECS = ("nocodec", "low_mp3", "high_mp3", "low_m4a", "high_m4a", "low_ogg", "high_ogg", "mp3m4a", "oggm4a")
VOCODERS = ("traditional_vocoder", "waveform_concatenation", "neural_vocoder_autoregressive",
            "neural_vocoder_nonautoregressive", "unknown")


def _df_lines(n: int, seed: int = 0, short_every: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        bona = rng.random() < 0.1
        vcc = not bona and rng.random() < 0.4
        attack = "-" if bona else (f"Task1-team{rng.randint(1, 33):02d}" if vcc else f"A{rng.randint(7, 19):02d}")
        extra = f"Task1 team{rng.randint(1, 33):02d} FF E" if vcc else "- - - -"
        subset = rng.choice(["eval", "progress", "hidden"])
        line = (f"LA_{rng.randint(1, 999):04d} DF_E_{2000000 + i} {rng.choice(CODECS)} "
                f"{'vcc2020' if vcc else 'asvspoof'} {attack} {'bonafide' if bona else 'spoof'} "
                f"{'trim' if subset == 'hidden' else 'notrim'} {subset} {'bonafide' if bona else rng.choice(VOCODERS)}")
        if not (short_every and i % short_every == 0 and not vcc):
            line += f" {extra}"
        out.append(line)
    return out


def _both(path, parse, fields, layout, block=1 << 22):
    fast = read_columns(path, fields, layout, block=block)
    slow = build_table(iter_lines(path, dataset="t"), parse, fields, source=path, dataset="t")
    return fast, slow


def _same(fast, slow, fields):
    cols, lines = fast
    assert lines.tolist() == list(slow.lines)
    for f in fields:
        col = cols[f]
        values = [col[1][j] for j in col[0].tolist()] if isinstance(col, tuple) else col
        assert values == slow[f], f


@pytest.mark.parametrize("block", [1 << 22, 4096, 97])  # one block, many, and lines across blocks
def test_df_protocol_read_by_numpy_equals_the_line_reader(tmp_path, block):
    path = tmp_path / "trial_metadata.txt"
    lines = _df_lines(3000, short_every=7)  # some 9-field lines, padded with "-"
    lines.insert(10, "# a comment line")
    lines.insert(20, "")
    lines.insert(30, "   \t ")
    lines[40] = "  " + lines[40].replace(" ", " \t  ") + "   "  # tabs, runs of spaces, trailing blanks
    path.write_text("\n".join(lines))  # no final newline
    fast, slow = _both(path, parse_df_line, DF_FIELDS, DF_LAYOUT, block)
    assert fast is not None
    _same(fast, slow, DF_FIELDS)
    assert isinstance(fast[0]["codec"], tuple) and isinstance(fast[0]["id"], list)


def test_la_protocol_and_the_index_cache(tmp_path):
    path = tmp_path / "trial_metadata.txt"
    rng = random.Random(1)
    path.write_text("".join(f"LA_{rng.randint(1, 99):04d} LA_E_{i:07d} {rng.choice(['alaw', 'pstn', 'none'])} "
                            f"{rng.choice(['ita_tx', 'sin_tx'])} A{rng.randint(7, 19):02d} "
                            f"{rng.choice(['spoof', 'bonafide'])} notrim {rng.choice(['eval', 'progress'])}\n"
                            for i in range(500)))
    fast, slow = _both(path, parse_la_line, LA_FIELDS, LA_LAYOUT)
    _same(fast, slow, LA_FIELDS)
    table = build_table(iter_lines(path, dataset="t"), parse_la_line, LA_FIELDS, source=path, dataset="t",
                        layout=LA_LAYOUT)
    again = load_table(save_table(table, tmp_path / "index.npz"))
    for f in LA_FIELDS:
        assert again[f] == slow[f]


@pytest.mark.parametrize("change, error", [
    (lambda ls: ls.__setitem__(57, ls[57].replace(" spoof ", " fake ").replace(" bonafide ", " fake ")),
     "trial_metadata.txt:58: unknown label 'fake'"),
    (lambda ls: ls.__setitem__(80, ls[80] + " extra"), "trial_metadata.txt:81: expected 13 space-separated fields"),
    (lambda ls: ls.__setitem__(99, ls[12]), "trial_metadata.txt:100 repeats id 'DF_E_2000012' (first on line 13)"),
    (lambda ls: ls.__setitem__(120, ls[120].replace(" eval", " evaluation").replace(" progress", " evaluation")
                               .replace(" hidden", " evaluation")), "trial_metadata.txt:121: unknown subset"),
])
def test_a_bad_line_is_named_by_the_line_reader(tmp_path, change, error):
    path = tmp_path / "trial_metadata.txt"
    lines = _df_lines(300)
    change(lines)
    path.write_text("\n".join(lines) + "\n")
    assert read_columns(path, DF_FIELDS, DF_LAYOUT) is None
    with pytest.raises(DatasetError, match=error.replace("(", r"\(").replace(")", r"\)")):
        build_table(iter_lines(path, dataset="t"), parse_df_line, DF_FIELDS, source=path, dataset="t",
                    layout=DF_LAYOUT)


@pytest.mark.parametrize("text", [
    "LA_0001 DF_É_1 low_mp3 asvspoof A07 spoof notrim eval unknown - - - -\n",  # not ASCII
    "LA_0001 DF_E_1 low_mp3 asvspoof A07 spoof notrim eval unknown - - - -\r\n",  # Windows line ends
    "\ufeffLA_0001 DF_E_1 low_mp3 asvspoof A07 spoof notrim eval unknown - - - -\n",  # a BOM
])
def test_files_it_cannot_read_go_to_the_line_reader(tmp_path, text):
    path = tmp_path / "trial_metadata.txt"
    path.write_text(text * 3 if "\r" not in text else text, encoding="utf-8", newline="")
    assert read_columns(path, DF_FIELDS, DF_LAYOUT) is None
    if "\r" in text:  # the line reader reads it
        table = build_table(iter_lines(path, dataset="t"), parse_df_line, DF_FIELDS, source=path, dataset="t",
                            layout=DF_LAYOUT)
        assert table["id"] == ["DF_E_1"]


def test_long_values_are_coded_exactly(tmp_path):
    """Values over 8 bytes are coded through a hash, verified byte for byte."""
    path = tmp_path / "p.txt"
    rng = np.random.default_rng(0)
    words = [f"value_{k}_{'x' * int(rng.integers(0, 40))}" for k in range(40)]
    rows = [f"id{i} {words[int(rng.integers(0, 40))]} {words[i % 3]}" for i in range(2000)]
    path.write_text("\n".join(rows) + "\n")
    fields = ("id", "a", "b")
    cols, lines = read_columns(path, fields, Layout(widths=(3,)))
    for j, f in enumerate(fields):
        col = cols[f]
        values = [col[1][c] for c in col[0].tolist()] if isinstance(col, tuple) else col
        assert values == [r.split()[j] for r in rows]
    assert cols["a"][1] == list(dict.fromkeys(r.split()[1] for r in rows))  # order of first appearance


def _asvspoof5_lines(n: int, seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        spoof = rng.random() < 0.8
        attack = f"A{rng.randint(1, 32):02d}" if spoof else rng.choice(["bonafide", "-"])
        line = (f"E_{rng.randint(1, 500):04d} E_{i:010d} {rng.choice('FM')} {rng.choice(['-', 'C01', 'C05'])} "
                f"{rng.choice(['-', '0', '4'])} {rng.choice(['-', '1', '2'])} {rng.choice(['AC1', 'AC2', '-'])} "
                f"{attack} {'spoof' if spoof else 'bonafide'}")
        out.append(line + (" -" if i % 3 else ""))  # the TMP column, on most lines
    return out


def test_cross_field_checks_and_dropped_columns(tmp_path):
    """ASVspoof 5 (TMP dropped, KEY x ATTACK rule) and ASVspoof 2019 CM (spoof names an attack)."""
    from fakebench.plugins.datasets._asvspoof2019 import CM_FIELDS, CM_LAYOUT, parse_cm_line
    from fakebench.plugins.datasets.asvspoof5 import FIELDS, LAYOUT, parse_line

    path = tmp_path / "ASVspoof5.eval.track_1.tsv"
    lines = _asvspoof5_lines(2000)
    path.write_text("\n".join(lines) + "\n")
    fast, slow = _both(path, parse_line, FIELDS, LAYOUT)
    _same(fast, slow, FIELDS)
    lines[700] = lines[700].replace(" spoof", " bonafide") if " spoof" in lines[700] else \
        lines[700].replace(" bonafide", " spoof")  # now KEY and ATTACK_LABEL disagree
    path.write_text("\n".join(lines) + "\n")
    assert read_columns(path, FIELDS, LAYOUT) is None
    with pytest.raises(DatasetError, match=r":701: (spoof|bona fide) trial 'E_0000000700' has attack label"):
        build_table(iter_lines(path, dataset="t"), parse_line, FIELDS, source=path, dataset="t", layout=LAYOUT)

    cm = tmp_path / "ASVspoof2019.LA.cm.eval.trl.txt"
    rng = random.Random(3)
    rows = [f"LA_{rng.randint(1, 99):04d} LA_E_{i:07d} - "
            + (f"A{rng.randint(7, 19):02d} spoof" if rng.random() < 0.9 else "- bonafide") for i in range(1500)]
    cm.write_text("\n".join(rows) + "\n")
    fast, slow = _both(cm, parse_cm_line, CM_FIELDS, CM_LAYOUT)
    _same(fast, slow, CM_FIELDS)
    rows[321] = rows[321].rsplit(" ", 2)[0] + " - spoof"
    cm.write_text("\n".join(rows) + "\n")
    assert read_columns(cm, CM_FIELDS, CM_LAYOUT) is None
    with pytest.raises(DatasetError, match=r":322: spoof trial 'LA_E_0000321' names no attack"):
        build_table(iter_lines(cm, dataset="t"), parse_cm_line, CM_FIELDS, source=cm, dataset="t", layout=CM_LAYOUT)
