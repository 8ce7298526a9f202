"""Write pip constraints that pin every declared dependency to its lowest declared version.

``make test-lowest`` installs the package with these constraints into a separate virtual
environment and runs the fast tests there, so each ``>=`` bound in ``pyproject.toml`` is a
tested claim rather than a guess. Only the direct dependencies are pinned (what uv calls
``--resolution lowest-direct``); pip resolves everything else as usual.

Pinned: ``[build-system] requires``, ``[project] dependencies`` and the requirements of the
extras named on the command line (``hardlearn[...]`` self-references are followed). A
requirement without a ``>=`` bound is reported on stderr and left unpinned. Names given with
``--skip`` (torch, whose CPU build this environment serves only at the version in
``constraints.txt``) are left to that file.

Standard library only: it runs with the interpreter that creates the new environment.

Example
-------
    python3 tools/lowest_pins.py --extras all,dev --skip torch > lowest.txt
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

# PEP 508 name, optional [extras], then the version specifiers up to a ';' marker.
_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[(?P<extras>[^\]]*)\])?"
    r"\s*(?P<specs>[^;]*)(?:;.*)?$"
)


def _canonical(name: str) -> str:
    """PEP 503 normalised project name (``Jinja2`` and ``jinja2`` are one project)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _parse(requirement: str) -> tuple[str, list[str], str | None]:
    """Split a requirement into (canonical name, extras, lowest ``>=`` version or None)."""
    match = _REQUIREMENT.match(requirement)
    if match is None:
        raise ValueError(f"cannot read requirement {requirement!r}")
    extras = [e.strip() for e in (match["extras"] or "").split(",") if e.strip()]
    lowest = None
    for spec in match["specs"].split(","):
        spec = spec.strip()
        if spec.startswith(">="):
            lowest = spec[2:].strip()
    return _canonical(match["name"]), extras, lowest


def lowest_pins(pyproject: dict, extras: list[str], skip: set[str]) -> dict[str, str]:
    """Map each direct dependency's canonical name to its lowest declared version."""
    project = pyproject["project"]
    own = _canonical(project["name"])
    optional = project.get("optional-dependencies", {})
    requirements = list(pyproject.get("build-system", {}).get("requires", []))
    requirements += project.get("dependencies", [])
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        if extra not in optional:
            raise ValueError(f"extra {extra!r} is not declared in pyproject.toml")
        seen.add(extra)
        for requirement in optional[extra]:
            name, sub_extras, _ = _parse(requirement)
            if name == own:
                pending.extend(sub_extras)
            else:
                requirements.append(requirement)
    pins: dict[str, str] = {}
    for requirement in requirements:
        name, _, lowest = _parse(requirement)
        if name in skip:
            continue
        if lowest is None:
            print(f"lowest_pins: {requirement!r} has no >= bound; left unpinned", file=sys.stderr)
            continue
        pins[name] = lowest
    return pins


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyproject", type=Path, default=Path("pyproject.toml"))
    parser.add_argument("--extras", default="", help="comma-separated extras to include")
    parser.add_argument("--skip", default="", help="comma-separated names left unpinned")
    args = parser.parse_args(argv)
    pyproject = tomllib.loads(args.pyproject.read_text(encoding="utf-8"))
    extras = [e.strip() for e in args.extras.split(",") if e.strip()]
    skip = {_canonical(s.strip()) for s in args.skip.split(",") if s.strip()}
    pins = lowest_pins(pyproject, extras, skip)
    print(f"# Lowest declared versions ({args.pyproject}); written by tools/lowest_pins.py")
    for name, version in sorted(pins.items()):
        print(f"{name}=={version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
