"""The documentation site works offline: MathJax and every script come from the site itself (no
CDN, no web fonts), and the tutorials carry code that the docs build runs (markdown-exec; the
strict build in CI fails on an error in any of them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _config() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may hold !!python/name tags (none today); read them as plain text
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def test_scripts_and_styles_are_served_by_the_site() -> None:
    cfg = _config()
    assets = list(cfg.get("extra_javascript", [])) + list(cfg.get("extra_css", []))
    assert assets
    for item in assets:
        src = item if isinstance(item, str) else item["path"]
        assert "://" not in src and not src.startswith("//"), f"{src} is fetched from the web"
        assert (DOCS / src).is_file(), f"{src} is not in docs/"
    assert any(Path(a if isinstance(a, str) else a["path"]).name.startswith("tex-") for a in assets)
    assert cfg["theme"].get("font") is False  # Material would load Google Fonts otherwise


def test_mathjax_is_vendored_with_its_licence() -> None:
    folder = DOCS / "javascripts" / "mathjax"
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")[:400]
    bundle = (folder / "tex-svg-full.js").read_text(encoding="utf-8", errors="replace")
    assert len(bundle) > 1_000_000 and "MathJax" in bundle


def test_no_page_loads_a_remote_script() -> None:
    for page in DOCS.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", text), page


def test_tutorials_show_executed_output() -> None:
    cfg = _config()
    assert "markdown-exec" in [p if isinstance(p, str) else next(iter(p)) for p in cfg["plugins"]]
    for page in sorted((DOCS / "tutorials").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        assert re.search(r'```python exec="on"', text), f"{page.name}: no executed code block"
        assert "../data" not in text and "tests/data/" not in re.sub(r"`[^`]*`", "", text)
