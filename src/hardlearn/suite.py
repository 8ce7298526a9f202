"""The hardlearn suite: fixed, named, versioned instances of the hard regression problem.

Every instance of version ``v1`` is the capped periodic ReLU network ``g_R`` of a secret
direction (SPEC section 3) with Gaussian label noise, at a dimension, a frequency and a noise
level from :data:`V1_AXES`, with a public seed (:func:`instance_seed`), fixed train and test
sizes, and its exact trivial MSE ``Var f``. ``make_suite`` writes, per instance, ``train.npz``
(``X``, ``y``) and ``test.npz`` (``X`` and, for the public suite, the clean target ``f``), and a
``manifest.json`` with every file's SHA-256, every file's *content* hash (of its arrays, which
does not depend on the zip container's time stamps), the generation parameters and the
package versions. The package ships the expected content hashes
(``suite_v1_hashes.json``); ``make_suite`` compares against them, so a changed NumPy stream
or sampler is caught.

A private challenge (``private=True``) draws each secret from OS entropy, leaves ``f`` out
of the test files, writes a SHA-256 commitment ``sha256(salt || secret)`` to the manifest
and the secrets, salts and test targets to a separate file; :func:`verify_secrets` checks
them against the commitments and :func:`reveal` writes the test targets next to the data.

**Exact training data (for lattice learners).** Every instance also gets
``train_exact.npz``: the same training rows in the exact form of
:mod:`hardlearn.problems.exact` (an :class:`~hardlearn.problems.exact.ExactSamples` file,
``kind = "triangle"``, readable by :func:`~hardlearn.problems.exact.load_exact` and
``hardlearn attack --data``), built by :func:`exact_training_samples`. Its label ``i`` is
``tri(clip(t_i, -R, R)) + e_i`` computed in integers on the grid ``2^-P``
(``P = noise_bits + GUARD_BITS``), where ``t_i = <freq w, x_i>`` exactly (``freq w`` is the
float64 vector of the network's hidden weights) and ``e_i = noise_std g_i`` is the float64
file's own noise draw, exact because ``noise_std`` is a power of two (the grid rounds it only
where ``|g_i| < 2^-11``). The float64 file's labels differ from these by the network's
float64 evaluation error, which is not small against the "tiny" noise: measured on v1,
up to 1.3 noise standard deviations at ``v1/d128-fgamma-tiny`` and 0.35 at
``v1/d32-fgamma-tiny`` (0.001 at ``v1/d8-f0.25-tiny``), so a lattice attack on the float64
labels would face more, and non-Gaussian, noise than the instance has. The ``suite`` task
kind fits a learner that has ``fit_exact`` on this file
(:mod:`hardlearn.experiments.kinds.suite`).

Scores: :func:`score_predictions` gives the test MSE against ``f`` with its interval and the
advantage ``1 - MSE / Var f`` (:mod:`hardlearn.metrics`).

Size: about 560 lines: one versioned benchmark (its instances, the files and their hashes,
the exact training form, commitments, scores), whose parts all read and write one manifest.

Examples
--------
>>> [i.name for i in suite_instances(only=["v1/d8-f0.25-poly"])]
['v1/d8-f0.25-poly']
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import secrets as _secrets
from dataclasses import asdict, dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

from hardlearn.errors import ParameterError

__all__ = [
    "SuiteInstance",
    "SUITE_VERSION",
    "V1_AXES",
    "suite_instances",
    "instance_seed",
    "generate_instance",
    "make_suite",
    "content_hash",
    "commitment",
    "verify_secrets",
    "reveal",
    "score_predictions",
    "score_directory",
    "load_instance",
    "predicted_attack_cost",
    "exact_training_samples",
]

#: Version of the instance list; a changed list or sampler is a new version.
SUITE_VERSION = "v1"
#: Training and test rows of every v1 instance (the same for all, so scores compare).
V1_TRAIN_SAMPLES = 10_000
V1_TEST_SAMPLES = 2_000
#: The axes of v1: dimensions, frequencies (``"gamma"`` is the paper's gamma = 2 sqrt d,
#: LZZ25 / BRST21, converted to a frequency by :func:`hardlearn.conventions.gamma_to_freq`),
#: and noise levels (``"poly"``: sigma = d^-2, LZZ25's polynomial noise; ``"tiny"``: sigma =
#: 2^-40, a stand-in for exponentially small noise that float64 still represents).
V1_AXES: dict[str, tuple[Any, ...]] = {
    "dim": (8, 32, 128),
    "freq": (0.25, 1.0, "gamma"),
    "noise": ("poly", "tiny"),
}
#: log2 of the "tiny" noise level (float64 labels in [0, 1] carry 53 bits, so 2^-40 is kept).
TINY_NOISE_LOG2 = -40
_HASHES_FILE = "suite_v1_hashes.json"


@dataclass(frozen=True)
class SuiteInstance:
    """One named instance: its parameters, public seed and sizes.

    Attributes
    ----------
    name : str
        ``v1/d{dim}-f{freq label}-{noise label}``.
    dim, freq, radius, noise_std, seed, train_samples, test_samples
    """

    name: str
    dim: int
    freq: float
    radius: int
    noise_std: float
    seed: int
    train_samples: int
    test_samples: int


def instance_seed(name: str) -> int:
    """The public seed of instance ``name``: the first 8 bytes of ``sha256(name)``.

    Examples
    --------
    >>> instance_seed("v1/d8-f0.25-poly") == instance_seed("v1/d8-f0.25-poly")
    True
    """
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def _v1() -> list[SuiteInstance]:
    from hardlearn.conventions import freq_to_gamma, gamma_to_freq
    from hardlearn.regimes import lzz_regime

    out = []
    for dim in V1_AXES["dim"]:
        for f in V1_AXES["freq"]:
            freq = gamma_to_freq(2.0 * math.sqrt(dim)) if f == "gamma" else float(f)
            for noise in V1_AXES["noise"]:
                sigma = dim**-2.0 if noise == "poly" else 2.0**TINY_NOISE_LOG2
                regime = lzz_regime(dim, gamma=freq_to_gamma(freq), sigma=sigma,
                                    samples=V1_TRAIN_SAMPLES)
                name = f"{SUITE_VERSION}/d{dim}-f{f}-{noise}"
                out.append(SuiteInstance(
                    name=name, dim=dim, freq=freq, radius=int(regime.radius), noise_std=sigma,
                    seed=instance_seed(name), train_samples=V1_TRAIN_SAMPLES,
                    test_samples=V1_TEST_SAMPLES,
                ))
    return out


def suite_instances(only: list[str] | None = None) -> list[SuiteInstance]:
    """The instances of the current version, or those named in ``only`` (in suite order).

    A name in ``only`` may be a full name or a prefix (``"v1/d8-"``); one matching nothing
    raises a :class:`ParameterError` listing the names.
    """
    every = _v1()
    if not only:
        return every
    keep: list[SuiteInstance] = []
    for pattern in only:
        hits = [i for i in every if i.name == pattern or i.name.startswith(pattern)]
        if not hits:
            raise ParameterError(
                f"--only {pattern!r} matches no suite instance; the instances are "
                f"{', '.join(i.name for i in every)}."
            )
        keep.extend(h for h in hits if h not in keep)
    return [i for i in every if i in keep]


def _problem(inst: SuiteInstance, secret: np.ndarray) -> Any:
    from hardlearn.problems.network import capped_periodic_network
    from hardlearn.problems.regression import NoisyRegression

    return NoisyRegression(capped_periodic_network(secret, inst.freq, inst.radius),
                           inst.noise_std)


def generate_instance(
    inst: SuiteInstance, *, secret_seed: int | None = None, exact: bool = False
) -> dict[str, Any]:
    """The arrays of one instance: ``secret``, ``X``, ``y``, ``X_test``, ``f_test``, and
    the exact trivial MSE. ``secret_seed`` replaces the public seed for the secret only
    (the private challenge). With ``exact``, also ``exact``: the training set as
    :class:`~hardlearn.problems.exact.ExactSamples` (:func:`exact_training_samples`)."""
    import copy

    from hardlearn.problems.clwe import random_direction

    secret_gen, data_gen, test_gen = np.random.default_rng(inst.seed).spawn(3)
    if secret_seed is not None:
        secret_gen = np.random.default_rng(secret_seed)
    secret = random_direction(inst.dim, rng=secret_gen)
    problem = _problem(inst, secret)
    replay = copy.deepcopy(data_gen)  # the same stream: X, then the noise draws
    X, y = problem.sample(inst.train_samples, rng=data_gen)
    X_test = problem.sample_inputs(inst.test_samples, rng=test_gen)
    out = {
        "secret": secret, "X": X, "y": y, "X_test": X_test,
        "f_test": np.asarray(problem.target(X_test), dtype=np.float64),
        "trivial_mse": float(problem.target_variance()),
    }
    if exact:
        # NoisyRegression.sample draws X, then noise_std * standard_normal(m) (Gaussian law)
        if not np.array_equal(replay.standard_normal(X.shape), X):  # pragma: no cover
            raise ParameterError("the training stream no longer starts with X; the exact "
                                 "training file cannot replay the noise draws.")
        out["exact"] = exact_training_samples(inst, X, replay.standard_normal(X.shape[0]),
                                              secret)
    return out


def exact_training_samples(
    inst: SuiteInstance, X: np.ndarray, draws: np.ndarray, secret: np.ndarray
) -> Any:
    """The training rows ``X`` with exact labels ``tri(clip(t, -R, R)) + noise_std g``
    (module docstring), as :class:`~hardlearn.problems.exact.ExactSamples` without the
    secret. ``draws`` are the standard normal draws ``g`` of the float64 file's noise.

    Examples
    --------
    >>> inst = suite_instances(["v1/d8-f0.25-tiny"])[0]
    >>> X = np.random.default_rng(0).standard_normal((5, 8))
    >>> w = np.eye(8)[0]
    >>> s = exact_training_samples(inst, X, np.zeros(5), w)
    >>> s.kind, s.noise_bits, s.secret is None
    ('triangle', 40, True)
    >>> bool(np.allclose(s.labels_float(), np.abs(0.25 * X[:, 0])))
    True
    """
    from hardlearn.problems.exact import GUARD_BITS, ExactSamples, _round_shift, exact_projection

    noise_bits = -math.log2(inst.noise_std)
    if noise_bits != round(noise_bits):
        raise ParameterError(
            f"exact training data need a noise_std that is a power of two; instance "
            f"{inst.name!r} has noise_std = {inst.noise_std!r}."
        )
    noise_bits = int(round(noise_bits))
    P = noise_bits + GUARD_BITS
    one = 1 << P
    cap = inst.radius << P
    # the network's hidden weights are the float64 vector freq * w (capped_periodic_network)
    T, shift = exact_projection(X, np.broadcast_to(inst.freq * np.asarray(secret), (inst.dim,)))
    noise = [int(v) for v in np.rint(np.asarray(draws, dtype=np.float64) * 2.0**GUARD_BITS)]
    labels = []
    for t, e in zip(T, noise, strict=True):
        tp = _round_shift(t, shift - P)  # round(2^P t)
        if abs(tp) >= cap:
            labels.append(e)  # tri(+-R) = 0: the network is capped there
            continue
        r = tp % one
        labels.append(min(r, one - r) + e)
    return ExactSamples(
        X=X, labels=tuple(labels), label_bits=P, noise_bits=noise_bits, kind="triangle",
        freq=float(inst.freq), secret=None,
        extra={"instance": inst.name, "radius": int(inst.radius),
               "target": "tri(clip(freq <w, x>, -R, R)), the capped network g_R"},
    )


def content_hash(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the arrays' names, dtypes, shapes and little-endian C-order bytes.

    Text arrays (the exact labels' hex digits) are hashed as their UTF-8 strings joined by
    NUL, so the hash does not depend on the fixed width a file format gives them.

    Examples
    --------
    >>> content_hash({"a": np.zeros(2)}) == content_hash({"a": np.zeros(2)})
    True
    >>> content_hash({"t": np.array(["a", "bc"])}) == content_hash(
    ...     {"t": np.array(["a", "bc"], dtype="<U9")})
    True
    """
    h = hashlib.sha256()
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        if arr.dtype.kind in "UO":
            h.update(f"{name}|text|{arr.shape}|".encode())
            h.update("\x00".join(str(v) for v in arr.ravel()).encode())
            continue
        if arr.dtype.kind == "f":
            arr = arr.astype("<f8")
        h.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def commitment(secret: np.ndarray, salt: str) -> str:
    """``sha256(salt || secret)`` as hex, the secret as little-endian float64 bytes.

    Examples
    --------
    >>> commitment(np.ones(2), "00") != commitment(np.ones(2), "01")
    True
    """
    data = bytes.fromhex(salt) + np.ascontiguousarray(secret, dtype="<f8").tobytes()
    return hashlib.sha256(data).hexdigest()


def expected_hashes() -> dict[str, dict[str, str]]:
    """The content hashes the package ships: instance -> file -> hash."""
    text = resources.files("hardlearn").joinpath(_HASHES_FILE).read_text()
    return dict(json.loads(text))


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("hardlearn", "numpy", "scipy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[pkg] = "not installed"
    return out


def predicted_attack_cost(inst: SuiteInstance) -> float | None:
    """Predicted cost, in core-SVP bits (classical, ``0.292 beta``), of the cheapest lattice
    attack on ``inst``: the smallest BKZ block size that :mod:`hardlearn.estimate` predicts
    to learn its network (triangle-wave labels, label noise ``noise_std``, at most
    ``train_samples`` samples, the instance's frequency). None when not even full
    enumeration is predicted to succeed with those samples.

    Examples
    --------
    >>> inst = next(i for i in suite_instances() if i.name.endswith("tiny"))
    >>> predicted_attack_cost(inst) is None or predicted_attack_cost(inst) >= 0
    True
    """
    import math

    from hardlearn.estimate import block_size_needed, core_svp_bits

    beta = block_size_needed(inst.dim, -math.log2(inst.noise_std), "triangle",
                             available=inst.train_samples, freq=inst.freq)
    return None if beta is None else core_svp_bits(beta)["classical"]


def make_suite(
    out: str | Path, *, only: list[str] | None = None, private: bool = False,
    fmt: str = "npz", check: bool = True,
) -> dict[str, Any]:
    """Write the instances to ``out`` and return the manifest (also written as
    ``manifest.json``; with ``private``, the secrets go to ``secrets.json``).

    With ``check`` (public suite only), every file's content hash is compared with the one
    the package ships; a mismatch raises a :class:`ParameterError` naming the file.
    """
    from hardlearn.datasets import load_dataset, save_dataset

    if fmt not in ("npz", "parquet"):
        raise ParameterError(f"format must be 'npz' or 'parquet'; got {fmt!r}.")
    out = Path(out)
    expected = expected_hashes() if (check and not private) else {}
    manifest: dict[str, Any] = {
        "suite": SUITE_VERSION, "private": private, "format": fmt, "versions": _versions(),
        "python": platform.python_version(), "instances": {},
    }
    private_part: dict[str, Any] = {}
    for inst in suite_instances(only):
        secret_seed = _secrets.randbits(128) if private else None
        data = generate_instance(inst, secret_seed=secret_seed, exact=True)
        folder = out / inst.name
        files = {
            "train": ({"X": data["X"], "y": data["y"]}, "train"),
            "test": ({"X": data["X_test"]} if private else
                     {"X": data["X_test"], "f": data["f_test"]}, "test"),
        }
        entry: dict[str, Any] = {
            "params": asdict(inst), "trivial_mse": data["trivial_mse"],
            "predicted_attack_cost": predicted_attack_cost(inst), "files": {},
        }
        for key, (arrays, part) in files.items():
            path = save_dataset(folder / f"{part}.{fmt}", arrays,
                                {"kind": f"suite-{part}", "instance": inst.name,
                                 "target_variance": data["trivial_mse"],
                                 "noise_std": inst.noise_std})
            chash = content_hash(arrays)
            if expected and expected.get(inst.name, {}).get(key) != chash:
                raise ParameterError(
                    f"suite file {inst.name}/{path.name} has content hash {chash[:16]}..., the "
                    f"package expects {expected.get(inst.name, {}).get(key, 'none')[:16]}...: "
                    "the sampler or the random stream changed; these data are not the suite."
                )
            entry["files"][key] = {"path": str(path.relative_to(out)),
                                   "sha256": _file_sha256(path), "content_sha256": chash}
        path = data["exact"].save(folder / f"train_exact.{fmt}")
        chash = content_hash(load_dataset(path)[0])
        if expected and expected.get(inst.name, {}).get("train_exact") != chash:
            raise ParameterError(
                f"suite file {inst.name}/{path.name} has content hash {chash[:16]}..., the "
                f"package expects {expected.get(inst.name, {}).get('train_exact', 'none')[:16]}"
                "...: the exact labels changed; these data are not the suite."
            )
        entry["files"]["train_exact"] = {"path": str(path.relative_to(out)),
                                         "sha256": _file_sha256(path), "content_sha256": chash}
        if private:
            salt = _secrets.token_hex(16)
            entry["commitment"] = commitment(data["secret"], salt)
            private_part[inst.name] = {"secret": data["secret"].tolist(), "salt": salt,
                                       "f_test": data["f_test"].tolist()}
        manifest["instances"][inst.name] = entry
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    if private:
        (out / "secrets.json").write_text(json.dumps(private_part))
    return manifest


def _manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    if not path.is_file():
        raise ParameterError(f"{str(directory)!r} has no manifest.json (write it with suite make).")
    return dict(json.loads(path.read_text()))


def verify_secrets(directory: str | Path, secrets_file: str | Path) -> dict[str, bool]:
    """Check every revealed secret and salt against the manifest's commitment."""
    manifest = _manifest(Path(directory))
    revealed = json.loads(Path(secrets_file).read_text())
    out = {}
    for name, entry in manifest["instances"].items():
        if "commitment" not in entry:
            raise ParameterError(f"instance {name!r} has no commitment (not a private suite).")
        item = revealed.get(name)
        out[name] = item is not None and commitment(
            np.asarray(item["secret"], dtype=np.float64), str(item["salt"])
        ) == entry["commitment"]
    return out


def reveal(directory: str | Path, secrets_file: str | Path) -> Path:
    """Verify the secrets, then write the test targets (``answers.json``) so scoring works."""
    directory = Path(directory)
    checks = verify_secrets(directory, secrets_file)
    bad = [n for n, ok in checks.items() if not ok]
    if bad:
        raise ParameterError(
            f"the revealed secret or salt does not match the commitment for {', '.join(bad)}."
        )
    manifest = _manifest(directory)
    revealed = json.loads(Path(secrets_file).read_text())
    for name in manifest["instances"]:
        from hardlearn.problems.network import capped_periodic_network

        params = manifest["instances"][name]["params"]
        secret = np.asarray(revealed[name]["secret"], dtype=np.float64)
        f = capped_periodic_network(secret, params["freq"], params["radius"])
        from hardlearn.datasets import load_dataset

        arrays, _ = load_dataset(directory / manifest["instances"][name]["files"]["test"]["path"])
        revealed[name]["f_test"] = np.asarray(f(arrays["X"]), dtype=np.float64).tolist()
    path = directory / "answers.json"
    path.write_text(json.dumps({n: revealed[n]["f_test"] for n in manifest["instances"]}))
    return path


def score_predictions(
    pred: np.ndarray, f_test: np.ndarray, trivial_mse: float, confidence: float = 0.95
) -> dict[str, Any]:
    """Test MSE against the clean target, its interval and the advantage 1 - MSE / Var f.

    Examples
    --------
    >>> f = np.linspace(0, 1, 100)
    >>> score_predictions(f, f, float(np.var(f)))["advantage"]
    1.0
    """
    from hardlearn.metrics import advantage, advantage_interval, mean_ci

    pred = np.asarray(pred, dtype=np.float64).reshape(-1)
    f_test = np.asarray(f_test, dtype=np.float64).reshape(-1)
    if pred.shape != f_test.shape:
        raise ParameterError(
            f"predictions must have one value per test row ({f_test.shape[0]}); got "
            f"{pred.shape[0]}."
        )
    if not np.all(np.isfinite(pred)):
        raise ParameterError("predictions must be finite; got nan or inf.")
    mse = mean_ci((pred - f_test) ** 2, confidence)
    return {"mse": mse.mean, "mse_lo": mse.ci[0], "mse_hi": mse.ci[1],
            "trivial_mse": trivial_mse, "advantage": advantage(mse.mean, trivial_mse),
            "advantage_lo": advantage_interval(mse.ci, trivial_mse)[0],
            "advantage_hi": advantage_interval(mse.ci, trivial_mse)[1]}


def _test_targets(directory: Path, manifest: dict[str, Any], name: str) -> np.ndarray:
    from hardlearn.datasets import load_dataset

    arrays, _ = load_dataset(directory / manifest["instances"][name]["files"]["test"]["path"])
    if "f" in arrays:
        return arrays["f"]
    answers = directory / "answers.json"
    if not answers.is_file():
        raise ParameterError(
            f"instance {name!r} is private: run `hardlearn suite reveal` with the secrets first."
        )
    return np.asarray(json.loads(answers.read_text())[name], dtype=np.float64)


def load_instance(directory: Path, name: str) -> dict[str, Any]:
    """Training and test arrays of instance ``name`` in a directory written by
    :func:`make_suite`, with the test targets (revealed ones for a private suite), and
    ``exact_path``: the exact training file (None in a directory written without one)."""
    from hardlearn.datasets import load_dataset

    manifest = _manifest(directory)
    if name not in manifest["instances"]:
        raise ParameterError(
            f"instance {name!r} is not in {str(directory)!r}; it holds "
            f"{', '.join(manifest['instances'])}."
        )
    entry = manifest["instances"][name]
    train, _ = load_dataset(directory / entry["files"]["train"]["path"])
    test, _ = load_dataset(directory / entry["files"]["test"]["path"])
    exact = entry["files"].get("train_exact")
    return {"X": train["X"], "y": train["y"], "X_test": test["X"],
            "f_test": _test_targets(directory, manifest, name),
            "trivial_mse": float(entry["trivial_mse"]),
            "exact_path": None if exact is None else directory / exact["path"]}


def score_directory(directory: str | Path, predictions: str | Path) -> dict[str, Any]:
    """Score the prediction files ``PREDICTIONS/<instance name>.npy`` (or ``.npz`` with an
    array ``pred``) against the suite in ``directory``; instances without a file are
    reported as missing."""
    directory, predictions = Path(directory), Path(predictions)
    manifest = _manifest(directory)
    results: dict[str, Any] = {}
    for name, entry in manifest["instances"].items():
        npy, npz = predictions / f"{name}.npy", predictions / f"{name}.npz"
        if npy.is_file():
            pred = np.load(npy, allow_pickle=False)
        elif npz.is_file():
            with np.load(npz, allow_pickle=False) as z:
                if "pred" not in z.files:
                    raise ParameterError(f"{npz} has no array 'pred'.")
                pred = z["pred"]
        else:
            results[name] = {"status": "missing"}
            continue
        results[name] = {"status": "ok", **score_predictions(
            pred, _test_targets(directory, manifest, name), float(entry["trivial_mse"]))}
    return {"suite": manifest["suite"], "versions": _versions(),
            "machine": platform.machine(), "instances": results}
