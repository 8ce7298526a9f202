"""The lattice attack as a library call: sample counts, one attack scored against the truth,
and the hand-over of the lattice to other solvers.

``hardlearn attack`` (the command line) parses options and prints; everything it computes is
here, and so is what the ``attack`` and ``threshold`` task kinds run.

* :func:`parse_samples` reads a sample-count request (``auto``, ``d+1``, ``3d``, ``2d+5``,
  an integer);
* :func:`run_attack` fits a :class:`~hardlearn.learners.LatticeRegressor` on exact samples
  and reports the outcome with the cosine to the true secret;
* :func:`exact_attack` draws the exact samples on a fresh secret first;
* :func:`export_lattice` writes the embedding basis in fplll's text format (readable by
  ``fpylll.IntegerMatrix.from_file`` and the ``fplll`` command) with a JSON side file, and
  :func:`finish_reduced` completes the attack from a basis reduced elsewhere.

Examples
--------
>>> from hardlearn.problems.exact import sample_exact
>>> data = sample_exact(8, 40, labels="clwe", noise_bits=60, rng=1)
>>> report = run_attack(data, samples_used="auto")
>>> report["status"], report["cosine"] > 1 - 1e-9
('recovered', True)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from hardlearn._rng import spawn
from hardlearn.errors import HardlearnError, ParameterError

__all__ = [
    "parse_samples",
    "run_attack",
    "exact_attack",
    "export_lattice",
    "finish_reduced",
    "read_fplll_matrix",
    "LATTICE_FORMAT",
]

#: A recovery is ``correct`` when it predicts the phase ``freq <w, x>`` of every sample
#: within this fraction of a period (up to the sign ``w -> -w`` for even labels): then it
#: names the right integer of every sample, whatever the noise's effect on the digits.
CORRECT_PHASE = 0.25
#: Name and version written into the JSON side file of an exported lattice.
LATTICE_FORMAT: dict[str, Any] = {"format": "hardlearn-lattice", "version": 1}
_SAMPLES_RE = re.compile(r"^(\d*)d(?:\+(\d+))?$")


def parse_samples(text: Any, dim: int, *, name: str = "samples") -> int | str:
    """Read a sample-count request: ``"auto"``, an integer, or ``d+K`` / ``Kd`` / ``Kd+J``.

    Returns ``"auto"`` (the model's best count among the samples available) or the count.

    Examples
    --------
    >>> parse_samples("d+1", 60), parse_samples("2d", 60), parse_samples("75", 60)
    (61, 120, 75)
    >>> parse_samples("auto", 60)
    'auto'
    >>> parse_samples("d", 60)
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: samples must be at least d + 1 = 61 ...
    """
    if isinstance(text, bool):
        raise ParameterError(f"{name} must be auto, an integer or d+1, 2d, 2d+5; got {text!r}.")
    if isinstance(text, int | np.integer):
        value = int(text)
    else:
        raw = str(text).replace(" ", "").lower()
        if raw == "auto":
            return "auto"
        match = _SAMPLES_RE.match(raw)
        if raw.isdigit():
            value = int(raw)
        elif match:
            value = int(match.group(1) or 1) * dim + int(match.group(2) or 0)
        else:
            raise ParameterError(
                f"{name} must be auto, an integer, or an expression like d+1, 2d, 2d+5; "
                f"got {text!r}."
            )
    if value < dim + 1:
        raise ParameterError(
            f"{name} must be at least d + 1 = {dim + 1} (the attack needs a dependence); "
            f"got {text!r} = {value}."
        )
    return value


def _learner(samples: Any, *, samples_used: int | str = "auto", engine: str = "auto",
             reduction: str = "lll", block_size: int = 20, time_limit: float | None = 300.0,
             scale_bits: int | None = None, seed: int = 0) -> Any:
    from hardlearn.learners.lattice import LatticeRegressor

    return LatticeRegressor(
        labels=samples.kind, engine=engine, reduction=reduction, block_size=block_size,
        time_limit=time_limit, scale_bits=scale_bits, max_samples=samples_used, rng=seed,
    )


def _report(est: Any, samples: Any, seconds: float, reduction: str) -> dict[str, Any]:
    cosine = freq_error = phase_error = None
    if est.recovered_ and samples.secret is not None:
        c = float(np.dot(est.secret_, samples.secret))
        cosine = abs(c) if samples.kind != "clwe" else c
        freq_error = abs(est.freq_ - samples.freq)
        X = np.asarray(samples.X)
        t_true = samples.freq * (X @ np.asarray(samples.secret))
        t_hat = est.freq_ * (X @ est.secret_)
        err = np.abs(t_hat - t_true)
        if samples.kind != "clwe":
            err = np.minimum(err, np.abs(t_hat + t_true))
        phase_error = float(err.max())
    pred = getattr(est, "predicted_scale_bits_", None)
    return {
        "recovered": bool(est.recovered_),
        "status": est.status_,
        "cosine": cosine,
        "freq_error": freq_error,
        "phase_error": phase_error,
        "correct": phase_error is not None and phase_error < CORRECT_PHASE,
        "lattice_dim": int(est.lattice_dim_),
        "engine": est.engine_,
        "reduction": reduction,
        "seconds": seconds,
        "reduction_seconds": est.reduction_seconds_,
        "dim": samples.dim,
        "samples": samples.m,
        "samples_used": int(est.samples_used_),
        "labels": samples.kind,
        "noise_bits": samples.noise_bits,
        "label_bits": samples.label_bits,
        "scale_bits": est.scale_bits_,
        "predicted_scale_bits": None if pred is None else round(float(pred), 1),
        "attempts": len(est.attempts_),
        "log2_expected_false": est.certificate_.get("log2_expected_false"),
        "freq": est.freq_,
    }


def run_attack(
    samples: Any,
    *,
    samples_used: int | str = "auto",
    engine: str = "auto",
    reduction: str = "lll",
    block_size: int = 20,
    time_limit: float | None = 300.0,
    scale_bits: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit a :class:`~hardlearn.learners.LatticeRegressor` on exact samples; report a dict.

    ``samples_used``: ``"auto"`` (the model's best count among the samples given) or a count
    (the first ones). ``cosine``, ``freq_error`` and ``phase_error`` (the largest error of
    the predicted phase ``freq <w, x>`` over the samples) compare with the samples' true
    secret when they carry it (``None`` otherwise), and ``correct`` says whether
    ``phase_error < CORRECT_PHASE``; for triangle and cosine labels ``w`` and ``-w`` give the
    same function, so the absolute cosine is reported.
    """
    if samples_used != "auto":
        samples_used = parse_samples(samples_used, samples.dim)
    est = _learner(samples, samples_used=samples_used, engine=engine, reduction=reduction,
                   block_size=block_size, time_limit=time_limit, scale_bits=scale_bits,
                   seed=seed)
    t0 = time.perf_counter()
    est.fit_exact(samples)
    return _report(est, samples, time.perf_counter() - t0, reduction)


def exact_attack(
    *,
    dim: int,
    freq: float,
    noise_bits: int,
    labels: str,
    samples: int | str | None,
    algorithm: str,
    block_size: int,
    engine: str,
    time_limit: float,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Draw exact samples on a fresh secret and run :func:`run_attack` on them.

    ``samples``: a count, ``"auto"`` (the model's best count, drawn as that many samples;
    the model needs no more) or ``None`` (``d + 1``). ``correct`` (from :func:`run_attack`):
    the recovery predicts every sample's phase within :data:`CORRECT_PHASE`. Output keys
    that name grid parameters are renamed
    (``status`` -> ``attack_status``, ``engine`` -> ``engine_used``, ``freq`` ->
    ``freq_found``, ``samples`` -> ``samples_drawn``).
    """
    from hardlearn.estimate import best_samples
    from hardlearn.problems.exact import sample_exact

    data_rng, attack_rng = spawn(rng, 2)
    request = parse_samples(samples if samples is not None else "d+1", dim)
    if request == "auto":
        m = best_samples(dim, None, labels, algorithm, block_size, freq)[0]
    else:
        m = int(request)
    data = sample_exact(dim, m, labels=labels, noise_bits=noise_bits, rng=data_rng, freq=freq)
    out = run_attack(data, samples_used=m, engine=engine, reduction=algorithm,
                     block_size=block_size, time_limit=max(time_limit, 1e-3),
                     seed=int(attack_rng.integers(0, 2**63 - 1)))
    for old, new in (("status", "attack_status"), ("engine", "engine_used"),
                     ("freq", "freq_found"), ("samples", "samples_drawn")):
        if old in out:
            out[new] = out.pop(old)
    for key in ("dim", "labels", "noise_bits", "reduction"):
        out.pop(key, None)
    return out


# --------------------------------------------------------------------------------------
# Other solvers: export the basis, finish from a reduced one
# --------------------------------------------------------------------------------------


def _atomic_write(path: Path, text: str) -> None:
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".",
                                   prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ParameterError(f"cannot write {str(path)!r}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ParameterError(f"cannot write {str(path)!r}: {exc.strerror or exc}.") from None


def _fplll_text(rows: list[list[int]]) -> str:
    return "[" + "\n".join("[" + " ".join(str(v) for v in row) + "]" for row in rows) + "\n]\n"


def read_fplll_matrix(path: str | Path) -> list[list[int]]:
    """Read an integer matrix in fplll's text format (``[[a b]\\n[c d]\\n]``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "b.txt"
    >>> _ = f.write_text("[[1 0 5]\\n[0 1 -3]\\n]\\n")
    >>> read_fplll_matrix(f)
    [[1, 0, 5], [0, 1, -3]]
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read the basis file {str(path)!r}: {exc}.") from None
    rows = re.findall(r"\[([^\[\]]*)\]", text)
    try:
        out = [[int(v) for v in row.split()] for row in rows]
    except ValueError:
        raise ParameterError(f"{str(path)!r} is not an integer matrix in fplll's text format "
                             "([[a b ...]\\n[c d ...]\\n]).") from None
    out = [r for r in out if r]
    if not out:
        raise ParameterError(f"{str(path)!r} holds no matrix rows (fplll's text format: "
                             "[[a b ...]\\n[c d ...]\\n]).")
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def export_lattice(samples: Any, path: str | Path, *, samples_file: str | Path,
                   samples_used: int | str = "auto", scale_bits: int | None = None,
                   reduction: str = "lll", block_size: int = 20) -> dict[str, Any]:
    """Write the embedding basis to ``path`` (fplll text) and ``path + ".json"``.

    ``samples_file`` is the saved exact data the side file points to (with its SHA-256), so
    :func:`finish_reduced` can rebuild the lattice. The basis is the one ``fit_exact`` would
    reduce at its top rung: the model's best sample count (or ``samples_used``) at the best
    scale for the samples' noise (or ``scale_bits``). Nothing is written when anything fails.
    """
    path = Path(path)
    if samples_used != "auto":
        samples_used = parse_samples(samples_used, samples.dim)
    est = _learner(samples, samples_used=samples_used, scale_bits=scale_bits,
                   reduction=reduction, block_size=block_size)
    rows, info = est.export_basis(samples)
    side = dict(LATTICE_FORMAT, **info, samples_file=str(Path(samples_file).resolve()),
                samples_sha256=_sha256(Path(samples_file)), basis_file=path.name)
    text = _fplll_text(rows)
    side["basis_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    _atomic_write(path, text)
    try:
        _atomic_write(Path(f"{path}.json"), json.dumps(side, indent=2) + "\n")
    except ParameterError:
        path.unlink(missing_ok=True)
        raise
    return side


def finish_reduced(reduced: str | Path, lattice: str | Path) -> tuple[Any, dict[str, Any]]:
    """Finish the attack from ``reduced``, a reduced basis of the lattice exported to
    ``lattice`` (its side file ``lattice + ".json"`` names the samples).

    Returns the data and :func:`run_attack`'s report. A file that is not a basis of the
    exported lattice (wrong shape, a row outside it, a sublattice) raises
    :class:`ParameterError`.
    """
    from hardlearn.problems.exact import load_exact

    side_path = Path(f"{lattice}.json")
    try:
        side = json.loads(side_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParameterError(f"cannot read the lattice side file {str(side_path)!r} "
                             f"(written by --export-lattice): {exc}.") from None
    if not isinstance(side, dict) or side.get("format") != LATTICE_FORMAT["format"]:
        raise ParameterError(f"{str(side_path)!r} is not a hardlearn lattice side file.")
    if int(side.get("version", 0)) > LATTICE_FORMAT["version"]:
        raise ParameterError(f"{str(side_path)!r} has format version {side.get('version')}; "
                             f"this hardlearn reads up to {LATTICE_FORMAT['version']}.")
    data_path = Path(side["samples_file"])
    if not data_path.exists() or _sha256(data_path) != side["samples_sha256"]:
        raise ParameterError(f"the samples file {str(data_path)!r} named by {str(side_path)!r} "
                             "is missing or changed (SHA-256 differs).")
    data = load_exact(data_path)
    rows = read_fplll_matrix(reduced)
    est = _learner(data, samples_used=int(side["samples_used"]))
    t0 = time.perf_counter()
    try:
        est.fit_reduced(data, rows, samples_used=int(side["samples_used"]),
                        scale_bits=int(side["scale_bits"]))
    except HardlearnError as exc:
        raise ParameterError(f"--reduced {str(reduced)!r}: {exc}") from None
    return data, _report(est, data, time.perf_counter() - t0, "external")
