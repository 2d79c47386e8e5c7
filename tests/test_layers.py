"""The layering written in pyproject.toml ([tool.importlinter]) holds: pages, API, commands and tasks above
services, services above models, models above extensions; services import no view, form, task or Celery."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Objects of the request being answered: a service is handed what it needs instead (current_app's config is fine).
REQUEST_BOUND = {"request", "session", "g", "flash", "redirect", "abort", "make_response", "Blueprint"}


def test_import_contracts_are_kept():
    result = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": str(LINT_IMPORTS.parent)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_services_use_nothing_of_the_request():
    # import-linter sees `flask` only as a whole; the names taken from it are checked here.
    found = []
    for path in sorted((ROOT / "marketplace" / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                found += [f"{path.relative_to(ROOT)}:{node.lineno} {a.name}" for a in node.names
                          if a.name in REQUEST_BOUND]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "flask" \
                    and node.attr in REQUEST_BOUND:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} flask.{node.attr}")
    assert found == []
