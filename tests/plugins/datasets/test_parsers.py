"""Property tests of the protocol parsers: valid lines round-trip, malformed lines name their line."""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakebench.data.protocol_tables import build_table, iter_csv, iter_lines
from fakebench.errors import DatasetError
from fakebench.plugins.datasets import _asvspoof2019, asvspoof21, envsdd, itw, mlaad

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
digits = st.text("0123456789", min_size=4, max_size=7)
token = st.text("abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=10)
space = st.sampled_from([" ", "  ", "\t", " \t "])


@st.composite
def cm19_line(draw):
    track = draw(st.sampled_from(["LA", "PA"]))
    spoof = draw(st.booleans())
    speaker = f"{track}_{draw(digits)}"
    fid = f"{track}_{draw(st.sampled_from('TDE'))}_{draw(digits)}"
    env = "-" if track == "LA" else "".join(draw(st.lists(st.sampled_from("abc"), min_size=3, max_size=3)))
    if spoof:
        attack = (f"A{draw(st.integers(1, 19)):02d}" if track == "LA"
                  else "".join(draw(st.lists(st.sampled_from("ABC"), min_size=2, max_size=2))))
    else:
        attack = "-"
    return [speaker, fid, env, attack, "spoof" if spoof else "bonafide"]


@st.composite
def la21_line(draw):
    spoof = draw(st.booleans())
    return [f"LA_{draw(digits)}", f"LA_E_{draw(digits)}", draw(st.sampled_from(["none", "alaw", "pstn", "g722", "gsm"])),
            draw(st.sampled_from(["ita_tx", "sin_tx", "loc_tx", "mad_tx"])),
            f"A{draw(st.integers(7, 19)):02d}" if spoof else "bonafide", "spoof" if spoof else "bonafide",
            draw(st.sampled_from(["trim", "notrim"])), draw(st.sampled_from(asvspoof21.SUBSETS))]


@st.composite
def df21_line(draw):
    spoof = draw(st.booleans())
    vcc = spoof and draw(st.booleans())
    extra = ([f"Task{draw(st.integers(1, 2))}", f"team{draw(st.integers(1, 33))}", "FF", "E"] if vcc
             else ["-", "-", "-", "-"])
    fields = [f"LA_{draw(digits)}", f"DF_E_{draw(digits)}", draw(st.sampled_from(["nocodec", "low_mp3", "mp3m4a"])),
              "vcc2020" if vcc else "asvspoof", (f"Task1-team{draw(st.integers(1, 33))}" if vcc else "A14") if spoof else "-",
              "spoof" if spoof else "bonafide", "notrim", draw(st.sampled_from(asvspoof21.SUBSETS)),
              draw(st.sampled_from(["traditional_vocoder", "unknown"])) if spoof else "bonafide"] + extra
    return fields


def _write_lines(path, lines, sep):
    path.write_text("".join(sep.join(f) + "\n" for f in lines))


def _unique(lines):
    seen, out = set(), []
    for f in lines:
        if f[1] not in seen:
            seen.add(f[1])
            out.append(f)
    return out


CASES = [(cm19_line(), _asvspoof2019.parse_cm_line, _asvspoof2019.CM_FIELDS, 5),
         (la21_line(), asvspoof21.parse_la_line, asvspoof21.LA_FIELDS, 8),
         (df21_line(), asvspoof21.parse_df_line, asvspoof21.DF_FIELDS, 13)]


@pytest.mark.parametrize("strategy, parse, fields, n", CASES, ids=["asvspoof19-cm", "asvspoof21-la", "asvspoof21-df"])
@SETTINGS
@given(data=st.data())
def test_space_separated_round_trip(tmp_path, strategy, parse, fields, n, data):
    lines = _unique(data.draw(st.lists(strategy, min_size=1, max_size=20)))
    sep = data.draw(space)
    p = tmp_path / "protocol.txt"
    _write_lines(p, lines, sep)
    t = build_table(iter_lines(p, dataset="t"), parse, fields, source=p, dataset="t")
    assert [[t[f][i] for f in fields] for i in range(len(t))] == [ln + ["-"] * (len(fields) - len(ln)) for ln in lines]
    assert len(lines[0]) == n


@pytest.mark.parametrize("strategy, parse, fields, n", CASES, ids=["asvspoof19-cm", "asvspoof21-la", "asvspoof21-df"])
@SETTINGS
@given(data=st.data())
def test_space_separated_malformed_line_is_named(tmp_path, strategy, parse, fields, n, data):
    lines = _unique(data.draw(st.lists(strategy, min_size=2, max_size=10)))
    bad_at = data.draw(st.integers(0, len(lines) - 1))
    how = data.draw(st.sampled_from(["drop", "add", "label"]))
    bad = list(lines[bad_at])
    if how == "drop":
        bad.pop(data.draw(st.integers(0, len(bad) - 1)))
    elif how == "add":
        bad.insert(data.draw(st.integers(0, len(bad))), data.draw(token))
    else:
        bad[5 if n != 5 else 4] = data.draw(token.filter(lambda w: w not in ("bonafide", "spoof")))
    lines[bad_at] = bad
    p = tmp_path / "protocol.txt"
    _write_lines(p, lines, " ")
    with pytest.raises(DatasetError) as e:
        build_table(iter_lines(p, dataset="t"), parse, fields, source=p, dataset="t")
    assert f"protocol.txt:{bad_at + 1}:" in str(e.value)


@SETTINGS
@given(rows=st.lists(st.tuples(st.sampled_from(["bonafide", "A07", "A19"]), st.sampled_from(_asvspoof2019.ASV_KEYS),
                               st.floats(-50, 50, allow_nan=False)), min_size=1, max_size=30),
       bad=st.sampled_from(["bonafide target", "bonafide impostor 1.0", "A07 spoof nan", "A07 spoof x"]))
def test_asv_score_lines(tmp_path, rows, bad):
    p = tmp_path / "scores.txt"
    p.write_text("".join(f"{s} {k} {v!r}\n" for s, k, v in rows))
    t = build_table(iter_lines(p, dataset="t"), _asvspoof2019.parse_asv_line, ("source", "key", "score"), source=p,
                    dataset="t", id_field=None)
    assert [(s, k, float(v)) for s, k, v in zip(t["source"], t["key"], t["score"])] == list(rows)
    p.write_text(p.read_text() + bad + "\n")
    with pytest.raises(DatasetError, match=f"scores.txt:{len(rows) + 1}:"):
        build_table(iter_lines(p, dataset="t"), _asvspoof2019.parse_asv_line, ("source", "key", "score"), source=p,
                    dataset="t", id_field=None)


names = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\n\r\x85\u2028\u2029"),
                min_size=1, max_size=20).map(str.strip).filter(bool)


@SETTINGS
@given(rows=st.lists(st.tuples(names, st.sampled_from(["bona-fide", "spoof"])), min_size=1, max_size=20),
       bad_label=st.sampled_from(["bonafide", "fake", "real", "Spoof"]))
def test_itw_meta_round_trip_and_bad_label(tmp_path, rows, bad_label):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["file", "speaker", "label"])
    w.writerows((f"{i}.wav", spk, lab) for i, (spk, lab) in enumerate(rows))
    p = tmp_path / "meta.csv"
    p.write_text(buf.getvalue())
    t = build_table(iter_csv(p, dataset="itw", required=("file", "speaker", "label")), itw.parse_meta_row, itw.FIELDS,
                    source=p, dataset="itw")
    assert t["speaker"] == [spk for spk, _ in rows]
    assert t["label"] == ["0" if lab == "bona-fide" else "1" for _, lab in rows]
    w.writerow([f"{len(rows)}.wav", "Someone", bad_label])
    p.write_text(buf.getvalue())
    with pytest.raises(DatasetError, match=f"meta.csv:{len(rows) + 2}: unknown label"):
        build_table(iter_csv(p, dataset="itw"), itw.parse_meta_row, itw.FIELDS, source=p, dataset="itw")


@SETTINGS
@given(rows=st.lists(st.tuples(st.sampled_from(["tts_models/en/ljspeech/vits", "griffin_lim"]),
                               st.floats(0.1, 30, allow_nan=False), names.filter(lambda s: "|" not in s)),
                     min_size=1, max_size=15))
def test_mlaad_meta_round_trip(tmp_path, rows):
    # written the way pandas' to_csv(sep="|") writes it (fields with quotes are quoted)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="|", lineterminator="\n")
    w.writerow(["path", "original_file", "language", "is_original_language", "duration", "training_data",
                "model_name", "architecture", "transcript"])
    w.writerows([f"./fake/en/m/{i}.wav", f"en_US/by_book/female/s/b/wavs/x{i}.wav", "en", "True", f"{d:.3f}", "lj",
                 m, m, text] for i, (m, d, text) in enumerate(rows))
    lines = buf.getvalue().splitlines()
    p = tmp_path / "meta.csv"
    p.write_text("\n".join(lines) + "\n")
    t = build_table(iter_csv(p, dataset="mlaad", delimiter="|"), mlaad.parse_meta_row, mlaad.FIELDS, source=p,
                    dataset="mlaad", id_field="file")
    assert t["file"] == [f"{i}.wav" for i in range(len(rows))]
    assert t["model_name"] == [m for m, _, _ in rows] and t["transcript"] == [" ".join(x.split()) for _, _, x in rows]
    assert t["original_file"][0].startswith("en_US/by_book/")
    p.write_text("\n".join(lines + ["./fake/en/m/bad.wav|x|en|True|long|lj|m|m|text"]) + "\n")
    with pytest.raises(DatasetError, match=f"meta.csv:{len(rows) + 2}: bad.wav: duration 'long'"):
        build_table(iter_csv(p, dataset="mlaad", delimiter="|"), mlaad.parse_meta_row, mlaad.FIELDS, source=p,
                    dataset="mlaad", id_field="file")


@SETTINGS
@given(rows=st.lists(st.tuples(st.sampled_from(["real", "tta", "ata"]), st.sampled_from(["G05", "G06", "G07"])),
                     min_size=1, max_size=15),
       bad=st.sampled_from(["x.wav,s.wav,Clotho,vocoder,G05", "y.wav,s.wav,Clotho", ",s.wav,Clotho,real,real"]))
def test_envsdd_test_rows(tmp_path, rows, bad):
    lines = ["filename,source_filename,source_dataset,fake_type,generator"]
    lines += [f"t{i}.wav,s{i}.wav,Clotho,{ft},{g if ft != 'real' else 'real'}" for i, (ft, g) in enumerate(rows)]
    p = tmp_path / "test_track1.csv"
    p.write_text("\n".join(lines) + "\n")
    fields = ("file", "source_file", "source_dataset", "fake_type", "generator")
    t = build_table(iter_csv(p, dataset="envsdd"), envsdd.parse_test_row, fields, source=p, dataset="envsdd",
                    id_field="file")
    assert t["fake_type"] == [ft for ft, _ in rows]
    p.write_text("\n".join(lines + [bad]) + "\n")
    with pytest.raises(DatasetError, match=f"test_track1.csv:{len(rows) + 2}:"):
        build_table(iter_csv(p, dataset="envsdd"), envsdd.parse_test_row, fields, source=p, dataset="envsdd",
                    id_field="file")
