"""Every kind of web page (and the style sheet) is valid according to the Nu HTML Checker (vnu.jar).

The checker comes from the npm package vnu-jar, pinned in tools/vnu/package-lock.json; this test
installs it there when it is missing (.ci/run does too). It needs Java.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from tortoise import connections

from models.initiative import HelpKind
from tests import web_seed as seed

web = seed.web  # the fixture
ROOT = Path(__file__).resolve().parent.parent
VNU_DIR = ROOT / "tools" / "vnu"
VNU_JAR = VNU_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    """The Nu HTML Checker, installed with npm into tools/vnu when missing."""
    if not VNU_JAR.is_file():
        npm = shutil.which("npm")
        assert npm, "npm is needed to install the Nu HTML Checker (apt-get install npm)"
        subprocess.run([npm, "ci", "--prefix", str(VNU_DIR), "--no-audit", "--no-fund", "--ignore-scripts"],
                       check=True, capture_output=True, timeout=600)
    assert shutil.which("java"), "java is needed to run the Nu HTML Checker (apt-get install default-jre-headless)"
    return VNU_JAR


def run_checker(jar: Path, files: list[Path]) -> list[dict]:
    result = subprocess.run(["java", "-jar", str(jar), "--errors-only", "--also-check-css", "--format", "json",
                             *map(str, files)], capture_output=True, text=True, timeout=300)
    return json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]


async def test_every_kind_of_page_is_valid_html(web: TestClient, vnu_jar: Path, tmp_path: Path):
    anna = await seed.citizen("Anna")
    item = await seed.initiative("Repair Café <Deventer> & co", initiator=anna, members=4, followers=2,
                                 description="Eerste alinea.\n\nTweede alinea met \"quotes\" & <tags>.",
                                 audience="Iedereen", help_needed=[HelpKind.VOLUNTEERS, HelpKind.MONEY],
                                 budget_cents=50_000)
    await seed.update(item, "Nieuws\nover twee regels")
    for number in range(25):
        await seed.initiative(f"Project {number}", theme="sport", members=number, days_ago=number * 20)
    pages = {
        "home": "/", "list": "/initiatieven?q=project&sort=support&page=2", "list-empty": "/initiatieven?q=onvindbaar",
        "initiative": f"/initiatieven/{item.id}", "initiative-en": f"/initiatieven/{item.id}?lang=en",
        "themes": "/themas", "theme": "/themas/sport", "municipalities": "/gemeenten",
        "municipality": "/gemeenten/deventer", "statistics": "/statistieken", "statistics-en": "/statistieken?lang=en",
        "open-data": "/open-data", "privacy": "/privacy", "accessibility": "/toegankelijkheid",
        "not-found": "/bestaat-niet", "bad-request": "/initiatieven?page=abc",
    }
    files = []
    for name, path in pages.items():
        response = await web.get(path)
        assert response.content_type == "text/html", path
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(await response.text(), encoding="utf-8")
    await connections.get("default").execute_script("DROP TABLE initiative_update")
    broken = await web.get(f"/initiatieven/{item.id}")
    assert broken.status == 500
    files.append(tmp_path / "server-error.html")
    files[-1].write_text(await broken.text(), encoding="utf-8")
    files.append(tmp_path / "site.css")
    files[-1].write_text(await (await web.get("/static/site.css")).text(), encoding="utf-8")

    messages = await asyncio.to_thread(run_checker, vnu_jar, files)
    problems = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')} [{m.get('extract', '')}]"
                for m in messages if m.get("type") in ("error", "non-document-error")]
    assert problems == [], "\n".join(problems)
