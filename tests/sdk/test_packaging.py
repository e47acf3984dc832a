"""What an install without extras promises: the SDK and the `lineage` command, nothing more.

`pip install lineage` (no extras) must let a notebook `import lineage`; the server's packages
need the `server` extra; the console script must load either way and name the extra when a
command needs it. Checked without building a venv (that takes minutes): imports are read with
`ast`, and a declared requirement covers a module when the installed distribution providing it
is that requirement or one of its own requirements, read from the installed metadata.
"""

from __future__ import annotations

import ast
import importlib.metadata
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
SDK = "lineage"
SERVER_PACKAGES = ("api", "graph", "storage", "services", "workflows")
OWN_PACKAGES = frozenset({SDK, *SERVER_PACKAGES})


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(
    nodes: Iterable[ast.stmt | ast.expr], package: str, *, into_functions: bool
) -> Iterator[tuple[str, list[str]]]:
    """(module, names taken from it) of the imports that run: `if TYPE_CHECKING:` bodies never
    do, function bodies only when the function is called."""
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names]
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                yield ".".join([*base, node.module] if node.module else base), names
            else:
                yield node.module or "", names
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _imports(node.orelse, package, into_functions=into_functions)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not into_functions:
            continue
        else:
            children = [n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt | ast.expr)]
            yield from _imports(children, package, into_functions=into_functions)


def _module_file(module: str) -> Path | None:
    path = ROOT.joinpath(*module.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def third_party_imports(files: Iterable[Path], *, into_functions: bool = True) -> dict[str, str]:
    """Top-level name of every imported module that is neither stdlib nor ours -> where."""
    found: dict[str, str] = {}
    for path in files:
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        tree = _parse(path)
        for imported, _ in _imports(tree.body, package, into_functions=into_functions):
            top = imported.partition(".")[0]
            if top not in sys.stdlib_module_names and top not in OWN_PACKAGES:
                found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def load_time_closure(module: str) -> list[Path]:
    """The project files that importing `module` executes: its packages' `__init__`s and what
    they import at the top (not inside functions), followed through our own packages."""
    seen: dict[Path, None] = {}
    pending = [module]
    while pending:
        name = pending.pop()
        parts = name.split(".")
        if parts[0] not in OWN_PACKAGES:
            continue
        for depth in range(1, len(parts) + 1):
            path = _module_file(".".join(parts[:depth]))
            if path is None or path in seen:
                continue
            seen[path] = None
            this = _module_name(path)
            package = this if path.name == "__init__.py" else this.rpartition(".")[0]
            for imported, names in _imports(_parse(path).body, package, into_functions=False):
                pending.append(imported)
                pending.extend(f"{imported}.{n}" for n in names if _module_file(f"{imported}.{n}"))
    return list(seen)


def _requirements(extra: str | None) -> list[Requirement]:
    strings = PROJECT["dependencies"] if extra is None else PROJECT["optional-dependencies"][extra]
    return [Requirement(s) for s in strings]


def provided(requirements: Iterable[Requirement]) -> set[str]:
    """Distributions (canonical names) installed by these requirements on this platform,
    following each one's own requirements; the project itself is left out."""
    own = canonicalize_name(PROJECT["name"])
    names: set[str] = set()
    pending = [r for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""})]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name == own:
            pending.extend(r for extra in requirement.extras for r in _requirements(extra))
            continue
        if name in names:
            continue
        names.add(name)
        for text in importlib.metadata.requires(requirement.name) or []:
            sub = Requirement(text)
            wanted = ("", *requirement.extras)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in wanted):
                pending.append(sub)
    return names


@cache
def _distributions_of() -> dict[str, list[str]]:
    return {
        module: [canonicalize_name(d) for d in dists]
        for module, dists in importlib.metadata.packages_distributions().items()
    }


def uncovered(imports: dict[str, str], requirements: Iterable[Requirement]) -> list[str]:
    """The imports no distribution installed by `requirements` provides, with where."""
    available = provided(requirements)
    return [
        f"{module} (imported in {where}; from {_distributions_of().get(module) or 'nothing'})"
        for module, where in sorted(imports.items())
        if not available.intersection(_distributions_of().get(module, []))
    ]


def _files(*packages: str) -> list[Path]:
    return [path for top in packages for path in sorted((ROOT / top).rglob("*.py"))]


def test_the_sdk_imports_no_server_package() -> None:
    offending = []
    for path in _files(SDK):
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                targets = [node.module or ""]
            else:
                continue
            offending += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {t}"
                for t in targets
                if t.partition(".")[0] in SERVER_PACKAGES
            ]
    assert not offending, "the SDK must stay installable without the server: " + str(offending)


def test_an_install_without_extras_provides_every_module_the_sdk_imports() -> None:
    imports = third_party_imports(_files(SDK))
    assert {"httpx", "tqdm"} <= imports.keys()  # the scan does find the SDK's imports
    missing = uncovered(imports, _requirements(None))
    assert not missing, f"add these to [project].dependencies in pyproject.toml: {missing}"


def test_the_server_extra_provides_every_module_the_server_imports() -> None:
    imports = third_party_imports(_files(*SERVER_PACKAGES))
    assert {"strawberry", "neo4j"} <= imports.keys()
    missing = uncovered(imports, [*_requirements(None), *_requirements("server")])
    assert not missing, f"add these to the `server` extra in pyproject.toml: {missing}"


def test_the_server_extra_is_not_needed_by_the_sdk() -> None:
    server_only = provided(_requirements("server")) - provided(_requirements(None))
    imports = third_party_imports(_files(SDK))
    used = {m: w for m, w in imports.items() if server_only & set(_distributions_of().get(m, []))}
    assert not used, f"the SDK imports modules only the server extra installs: {used}"


def test_the_console_script_loads_without_the_server_extra() -> None:
    target = PROJECT["scripts"]["lineage"].partition(":")[0]
    closure = load_time_closure(target)
    assert ROOT / "api" / "cli.py" in closure
    missing = uncovered(third_party_imports(closure, into_functions=False), _requirements(None))
    assert not missing, (
        f"`lineage` must start with only the SDK installed; import these inside the commands "
        f"that need them: {missing}"
    )


def test_the_dev_extra_includes_the_server() -> None:
    dev = _requirements("dev")
    assert any(
        canonicalize_name(r.name) == canonicalize_name(PROJECT["name"]) and "server" in r.extras
        for r in dev
    )


def _server_only_modules() -> list[str]:
    """Top-level modules that only the server extra installs, as found in this environment."""
    server_only = provided(_requirements("server")) - provided(_requirements(None))
    return sorted(
        module
        for module, dists in _distributions_of().items()
        if set(dists) <= server_only and module.isidentifier()
    )


BLOCKED_RUN = """
import importlib, pkgutil, sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None  # as if not installed: importing it raises ModuleNotFoundError
import lineage
for info in pkgutil.iter_modules(lineage.__path__):
    importlib.import_module(f"lineage.{info.name}")
from api.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_without_the_server_extra_the_sdk_imports_and_commands_name_the_extra(
    tmp_path: Path,
) -> None:
    blocked = _server_only_modules()
    assert {"strawberry", "starlette", "uvicorn", "neo4j"} <= set(blocked)
    env = {
        "PATH": "/usr/bin:/bin",
        "LINEAGE_DATA_DIR": str(tmp_path),
        "NEO4J_URI": "bolt://127.0.0.1:1",  # never start a local Neo4j, whatever happens
    }
    for command in (["serve"], ["export-schema"], ["admin-key"]):
        result = subprocess.run(
            [sys.executable, "-c", BLOCKED_RUN, ",".join(blocked), *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert "install 'lineage[server]'" in result.stderr
        assert f"`lineage {command[0]}`" in result.stderr


STATIC = ROOT / "api" / "web" / "static"
# One hook per process: build_sdist after build_wheel in the same one writes elsewhere.
BUILD = "import sys, setuptools.build_meta as hooks; getattr(hooks, sys.argv[1])(sys.argv[2])"


def test_the_wheel_and_sdist_ship_the_web_bundle(tmp_path: Path) -> None:
    """`pip install lineage[server]` serves the web app without Node: the committed bundle
    (api/web/static) is package data. Built from a copy of the sources, so the shared tree gets
    no build/ or egg-info; setuptools' own PEP 517 hooks, so no network."""
    bundle = sorted(str(path.relative_to(ROOT)) for path in STATIC.rglob("*") if path.is_file())
    assert "api/web/static/index.html" in bundle, "build the app first: cd web && npm run build"
    assert "api/web/static/graphiql.html" in bundle
    assert any(name.startswith("api/web/static/assets/") for name in bundle)
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in (SDK, *SERVER_PACKAGES):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    out = tmp_path / "dist"
    for hook in ("build_wheel", "build_sdist"):
        result = subprocess.run(
            [sys.executable, "-c", BUILD, hook, str(out)],
            cwd=source,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-4000:]
    (wheel_path,) = out.glob("*.whl")
    (sdist_path,) = out.glob("*.tar.gz")
    with zipfile.ZipFile(wheel_path) as wheel:
        in_wheel = set(wheel.namelist())
    with tarfile.open(sdist_path) as sdist:
        prefix = sdist_path.name.removesuffix(".tar.gz") + "/"
        in_sdist = {name.removeprefix(prefix) for name in sdist.getnames()}
    assert not set(bundle) - in_wheel, f"missing from the wheel: {set(bundle) - in_wheel}"
    assert not set(bundle) - in_sdist, f"missing from the sdist: {set(bundle) - in_sdist}"
