"""``acsi analyze`` on files from outside the project: Chinese encodings, sniffed delimiters,
decimal commas, text missing codes, declared scales, measurement-only models, segments and
a Chinese report (issue 13, items 2-5)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from acsi.cli import decode_text, main, parse_item_map_scales, read_data, read_model_file, sniff_sep, split_scales

FILES = Path(__file__).parent / "data" / "files"


def _text(path: Path) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")).split()))


def test_gbk_data_with_bom_gbk_and_utf16_models_quietly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A GB18030/GBK CSV and model files saved by Notepad (BOM, GBK, UTF-16): no codec error,
    and --quiet prints nothing (no missing-glyph warnings for Chinese labels)."""
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes((FILES / "zh_model_bom.txt").read_text(encoding="utf-8-sig").encode("utf-16"))
    models = [read_model_file(m)[0] for m in (FILES / "zh_model_bom.txt", FILES / "zh_model_gbk.txt", utf16)]
    assert models[0] == models[1] == models[2] and "满意度 =~ 满意1" in models[0]
    out = tmp_path / "zh.html"
    rc = main(["analyze", str(FILES / "zh_gbk.csv"), "--model", str(utf16), "--out", str(out), "--bootstrap", "0",
               "--quiet"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert err == ""
    text = _text(out)
    assert "满意度" in text and "scale inferred from the data: 1-7" in text


def test_chinese_report_with_segments_and_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "zh.html"
    rc = main(["analyze", str(FILES / "zh_gbk.csv"), "--model", str(FILES / "zh_model_gbk.txt"), "--out", str(out),
               "--bootstrap", "50", "--lang", "zh", "--segment", "性别", "--value", "价值", "--satisfied", "6"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "GB18030" in err  # what was detected is said
    text = _text(out)
    assert "主要发现" in text and "按 性别 的满意度" in text and "按 价值 加权" in text
    assert "不低于 6（量表 1-7；按用户设定）" in text


def test_detection_rules() -> None:
    assert decode_text("q1,性别\n1,男\n".encode("gb18030"), "a.csv", "data file") == ("q1,性别\n1,男\n", "gb18030")
    assert decode_text(b"\xef\xbb\xbfq1\n", "a.csv", "data file")[1] == "utf-8-sig"
    assert decode_text("a;b\n".encode("cp1252"), "a.csv", "data file", "cp1252")[1] == "cp1252"
    assert sniff_sep("a|b|c\n1|2|3\n") == "|" and sniff_sep("single\n1\n") == ","


def test_semicolons_and_decimal_commas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """European CSV: sniffed ';' with --decimal ','; decimal scores (means of items) are a
    continuous scale, not 'widen the bins'."""
    data = pd.read_csv(FILES / "scale_1_7.csv")
    data["s1"] = (data["s1"] + data["s2"]) / 2  # a mean of two items: decimals
    src = tmp_path / "euro.csv"
    data.to_csv(src, sep=";", decimal=",", index=False)
    got = read_data(src, decimal=",")
    assert got.attrs["sep"] == ";" and got["s1"].dtype == float
    model = tmp_path / "items.txt"
    model.write_text("quality: q1 q2 q3\nsatisfaction: s1 s2 s3\nloyalty: l1 l2\n", encoding="utf-8")
    out = tmp_path / "r.html"
    rc = main(["analyze", str(src), "--model", str(model), "--decimal", ",", "--out", str(out), "--bootstrap", "0"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "separated by ';' (detected" in err
    text = _text(out)
    assert "1-7 (continuous score)" in text


def test_text_missing_codes_and_declared_scales(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = pd.read_csv(FILES / "scale_1_7.csv").astype(object)
    data.loc[3, "q2"], data.loc[5, "s3"] = "DK", "n/a"
    src = tmp_path / "dk.csv"
    data.to_csv(src, index=False)
    model = tmp_path / "items.txt"
    model.write_text("quality[1-7]: q1 q2 q3\nsatisfaction: s1 s2 s3\nloyalty: l1 l2\nscale 0-10: l1 l2\n",
                     encoding="utf-8")
    out = tmp_path / "r.html"
    rc = main(["analyze", str(src), "--model", str(model), "--na-values", "DK", "n/a", "--out", str(out),
               "--bootstrap", "0", "--loyal", "8"])
    err = capsys.readouterr().err
    assert rc == 0, err
    text = _text(out)
    assert "scale declared for the item: 1-7" in text and "scale declared for the item: 0-10" in text
    assert "at least 8 on 0-10" in text
    assert "118 used by the model" in text


def test_model_file_scale_syntax() -> None:
    assert parse_item_map_scales('{"quality": {"items": ["q1", "q2"], "scale": [1, 5]}, "satisfaction": ["s1"]}') \
        == ({"quality": ["q1", "q2"], "satisfaction": ["s1"]}, {"q1": (1.0, 5.0), "q2": (1.0, 5.0)})
    text, scales = split_scales("f =~ a + b\nscale 0..10: a\n")
    assert text == "f =~ a + b\n" and scales == {"a": (0.0, 10.0)}
    model, scales = read_model_file(FILES / "scale_1_7_items.txt")
    assert "satisfaction" in model.lower() and scales == {}


def test_measurement_only_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A model without structural paths gives the reliability and validity report."""
    shutil.copy(FILES / "scale_1_7.csv", tmp_path / "d.csv")
    model = tmp_path / "cfa.txt"
    model.write_text("quality =~ q1 + q2 + q3\nsatisfaction =~ s1 + s2 + s3\n", encoding="utf-8")
    for method in ("pls", "ml"):
        out = tmp_path / f"{method}.html"
        rc = main(["analyze", str(tmp_path / "d.csv"), "--model", str(model), "--method", method, "--out", str(out),
                   "--bootstrap", "0", "--quiet"])
        assert rc == 0, capsys.readouterr().err
        html = out.read_text(encoding="utf-8")
        assert 'id="structural"' not in html and 'id="measurement"' in html
        assert "Measurement model only" in html


def test_spss_value_labels_give_the_scale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An SPSS file whose items are labelled 1-5 but answered only 2-4: the scale is the
    labels' 1-5 (not an inferred one), and the report says where it came from."""
    pyreadstat = pytest.importorskip("pyreadstat")
    data = pd.read_csv(FILES / "scale_1_7.csv")
    items = [c for c in data.columns if c[0] in "qsl"]
    data[items] = data[items].clip(4, 6) - 2  # answers 2-4
    labels = {c: {1.0: "very poor", 2.0: "poor", 3.0: "fair", 4.0: "good", 5.0: "very good"} for c in items}
    src = tmp_path / "s.sav"
    pyreadstat.write_sav(data[items], str(src), variable_value_labels=labels)
    out = tmp_path / "r.html"
    rc = main(["analyze", str(src), "--model", str(FILES / "scale_1_7_items.txt"), "--out", str(out),
               "--bootstrap", "0", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    assert "scale from the file's value labels: 1-5" in _text(out)


def test_value_without_segments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    rc = main(["analyze", str(FILES / "scale_1_7.csv"), "--model", str(FILES / "scale_1_7_items.txt"),
               "--out", str(out), "--bootstrap", "0", "--quiet", "--value", "value"])
    assert rc == 0, capsys.readouterr().err
    text = _text(out)
    assert "Share satisfied: overall" in text and "weighted by value" in text
