"""The web page at /: served with its assets, labelled controls and the demo warning."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from flask.testing import FlaskClient

from service.app import create_app
from service.engine import Engine
from service.models.registry import load_profile
from service.settings import Settings
from tests.fakes import FakeBackend


class Controls(HTMLParser):
    """The ids of form controls and the `for` targets of labels on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: set[str] = set()
        self.labelled: set[str] = set()
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("textarea", "select", "input") and values.get("id"):
            self.controls.add(str(values["id"]))
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))
        if tag in ("script", "link"):
            self.assets.append(str(values.get("src") or values.get("href")))


def parse(client: FlaskClient) -> tuple[str, Controls]:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    controls = Controls()
    controls.feed(html)
    return html, controls


def test_every_control_has_a_label(client: FlaskClient) -> None:
    _, controls = parse(client)
    assert {"text", "source", "target", "mode", "max-sentences", "api-key"} <= controls.controls
    assert controls.controls <= controls.labelled


def test_the_page_fits_a_phone_and_reads_input_in_its_own_direction(client: FlaskClient) -> None:
    html, _ = parse(client)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<textarea id="text" name="text" dir="auto"' in html


def test_the_assets_are_served(client: FlaskClient) -> None:
    _, controls = parse(client)
    assert sorted(controls.assets) == [
        "/static/documents.js",
        "/static/tarjoman.css",
        "/static/tarjoman.js",
    ]
    for asset in controls.assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.get_data()
        response.close()


def test_a_demo_profile_is_announced_before_any_request(client: FlaskClient) -> None:
    html, _ = parse(client)
    assert 'id="demo-banner"' in html
    assert "not a translation" in html


def test_a_real_profile_has_no_demo_banner(
    make_settings: Callable[..., Settings], test_models_dir: Path, tmp_path: Path
) -> None:
    models_file = tmp_path / "models.toml"
    text = (make_settings().models_file).read_text(encoding="utf-8")
    models_file.write_text(text.replace("demo = true", "demo = false"), encoding="utf-8")
    settings = make_settings(models_file=models_file)
    engine = Engine(settings, load_profile(models_file, "tiny"), FakeBackend())
    html, _ = parse(create_app(settings, engine=engine).test_client())
    assert 'id="demo-banner"' not in html
