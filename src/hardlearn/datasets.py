"""Lossless data files: ``.npz`` (never pickled) and ``.parquet``, with metadata.

A data file holds named arrays (numeric, or unicode strings: exact big integers are stored
as decimal strings) and a JSON metadata object that records what produced it (its ``kind``,
the parameters, the seed). :func:`load_dataset` refuses files that are not ours, are
truncated, or whose arrays disagree with their metadata, with a :class:`DataFileError`.

Layout
------
* ``.npz``: one entry per array, plus ``__hardlearn__``, a 0-d unicode array holding the
  metadata JSON. Loaded with ``allow_pickle=False``.
* ``.parquet``: one column per array; a 2-D array ``A`` of shape (m, d) is stored as columns
  ``A[0] .. A[d-1]`` so any Parquet reader sees plain columns. The metadata JSON and the
  array shapes sit in the schema metadata under ``hardlearn``. All arrays must share the
  first axis length (they are rows of one table).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from hardlearn._optional import require
from hardlearn.errors import DataFileError, ParameterError

__all__ = ["save_dataset", "load_dataset", "FORMAT_VERSION", "SUFFIXES"]

#: Version of the on-disk layout; bumped when it changes incompatibly.
FORMAT_VERSION = 1
#: File suffixes this module writes and reads.
SUFFIXES = (".npz", ".parquet")
_META_KEY = "__hardlearn__"
_PARQUET_META_KEY = b"hardlearn"


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ParameterError(
            f"data file must end in .npz or .parquet; got {str(path)!r}. "
            "Choose the format by the file name."
        )
    return suffix


def save_dataset(path: str | Path, arrays: dict[str, np.ndarray], metadata: dict[str, Any]) -> Path:
    """Write ``arrays`` and ``metadata`` to ``path`` (.npz or .parquet); return the path.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = save_dataset(os.path.join(d, "a.npz"), {"X": np.eye(2)}, {"kind": "demo"})
    >>> arrays, meta = load_dataset(p)
    >>> meta["kind"], arrays["X"].shape
    ('demo', (2, 2))
    """
    path = Path(path)
    suffix = _suffix(path)
    clean: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        arr = np.asarray(value)
        if arr.dtype.kind not in "biufU":
            raise ParameterError(
                f"array {name!r} must be numeric or unicode text to be stored without pickles; "
                f"got dtype {arr.dtype}."
            )
        if name == _META_KEY:
            raise ParameterError(f"array name {_META_KEY!r} is reserved for the metadata.")
        clean[name] = arr
    meta = dict(metadata)
    meta["format_version"] = FORMAT_VERSION
    meta["arrays"] = {k: list(v.shape) for k, v in clean.items()}
    text = json.dumps(meta, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npz":
        with open(path, "wb") as fh:
            # Any: numpy's stub types **kwds so that a dict could also fill allow_pickle
            stored: dict[str, Any] = {**clean, _META_KEY: np.array(text)}
            np.savez_compressed(fh, **stored)
    else:
        _save_parquet(path, clean, text)
    return path


def _save_parquet(path: Path, arrays: dict[str, np.ndarray], meta_text: str) -> None:
    require("pyarrow", feature="writing a .parquet data file")
    import pyarrow as pa
    import pyarrow.parquet as pq

    lengths = {name: arr.shape[0] if arr.ndim else None for name, arr in arrays.items()}
    if any(n is None for n in lengths.values()) or len(set(lengths.values())) > 1:
        raise ParameterError(
            "a .parquet data file is one table, so every array must have the same number of "
            f"rows; got lengths {lengths}. Use .npz for arrays of different lengths."
        )
    columns: dict[str, Any] = {}
    for name, arr in arrays.items():
        if arr.ndim == 1:
            columns[name] = arr
        elif arr.ndim == 2:
            for j in range(arr.shape[1]):
                columns[f"{name}[{j}]"] = arr[:, j]
        else:
            raise ParameterError(
                f"array {name!r} has {arr.ndim} axes; .parquet stores 1- or 2-axis arrays only."
            )
    table = pa.table(columns)
    table = table.replace_schema_metadata({_PARQUET_META_KEY: meta_text.encode()})
    pq.write_table(table, path)


def load_dataset(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file written by :func:`save_dataset`; return ``(arrays, metadata)``.

    Raises
    ------
    DataFileError
        If the file is missing, not ours, truncated, or inconsistent with its metadata.
    """
    path = Path(path)
    suffix = _suffix(path)
    if not path.is_file():
        raise DataFileError(f"data file {str(path)!r} does not exist.")
    try:
        if suffix == ".npz":
            arrays, text = _load_npz(path)
        else:
            arrays, text = _load_parquet(path)
    except DataFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise DataFileError(
            f"{str(path)!r} could not be read as a hardlearn {suffix} file "
            f"(truncated or not ours): {type(exc).__name__}: {exc}"
        ) from None
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{str(path)!r} has corrupt metadata: {exc}.") from None
    if not isinstance(meta, dict):
        raise DataFileError(
            f"{str(path)!r} has corrupt metadata: it must be a JSON object; got "
            f"{type(meta).__name__}."
        )
    _check_format_version(path, meta.get("format_version", FORMAT_VERSION))
    shapes = meta.get("arrays", {})
    if not isinstance(shapes, dict) or not all(
        isinstance(v, list) and all(isinstance(n, int) for n in v) for v in shapes.values()
    ):
        raise DataFileError(
            f"{str(path)!r} has corrupt metadata: 'arrays' must map names to shapes; got "
            f"{shapes!r:.80}."
        )
    for name, shape in shapes.items():
        if name not in arrays:
            raise DataFileError(f"{str(path)!r} lacks array {name!r} listed in its metadata.")
        if list(arrays[name].shape) != list(shape):
            raise DataFileError(
                f"{str(path)!r}: array {name!r} has shape {arrays[name].shape}, "
                f"metadata says {tuple(shape)}."
            )
    return arrays, meta


def _check_format_version(path: Path, found: Any) -> None:
    """Refuse a file of a newer layout than :data:`FORMAT_VERSION` (or a corrupt version)."""
    if isinstance(found, bool) or not isinstance(found, int) or found < 1:
        raise DataFileError(f"{str(path)!r} has corrupt metadata: format_version must be an "
                            f"integer >= 1; got {found!r:.40}.")
    if found > FORMAT_VERSION:
        from hardlearn import __version__

        raise DataFileError(
            f"{str(path)!r} was written by a newer hardlearn (data format {found}; hardlearn "
            f"{__version__} reads format {FORMAT_VERSION} and older); upgrade hardlearn to "
            "read it."
        )


def _load_npz(path: Path) -> tuple[dict[str, np.ndarray], str]:
    if not zipfile.is_zipfile(path):
        raise DataFileError(
            f"{str(path)!r} is not an .npz file: an .npz is a zip archive and this one is not "
            "(truncated or not ours, for example an .npy or a text file renamed)."
        )
    with np.load(path, allow_pickle=False) as data:
        if _META_KEY not in data.files:
            raise DataFileError(
                f"{str(path)!r} is an .npz file but not a hardlearn data file "
                f"(no {_META_KEY!r} entry)."
            )
        text = str(data[_META_KEY])
        arrays = {k: data[k] for k in data.files if k != _META_KEY}
    return arrays, text


def _load_parquet(path: Path) -> tuple[dict[str, np.ndarray], str]:
    require("pyarrow", feature="reading a .parquet data file")
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    raw = (table.schema.metadata or {}).get(_PARQUET_META_KEY)
    if raw is None:
        raise DataFileError(
            f"{str(path)!r} is a Parquet file but not a hardlearn data file "
            "(no 'hardlearn' schema metadata)."
        )
    text = raw.decode()
    parsed = json.loads(text)
    shapes = parsed.get("arrays", {}) if isinstance(parsed, dict) else {}
    arrays: dict[str, np.ndarray] = {}
    for name, shape in shapes.items():
        if len(shape) == 1:
            if name not in table.column_names:
                raise DataFileError(f"{str(path)!r} lacks column {name!r}.")
            arrays[name] = table.column(name).to_numpy(zero_copy_only=False)
        else:
            cols = [f"{name}[{j}]" for j in range(shape[1])]
            missing = [c for c in cols if c not in table.column_names]
            if missing:
                raise DataFileError(f"{str(path)!r} lacks columns {missing[:3]} of {name!r}.")
            arrays[name] = np.column_stack(
                [table.column(c).to_numpy(zero_copy_only=False) for c in cols]
            ) if shape[1] else np.empty((shape[0], 0))
    for name, arr in arrays.items():
        if arr.dtype == object:
            arrays[name] = arr.astype(str)
    return arrays, text
