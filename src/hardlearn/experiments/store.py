"""The results store of a run directory: SQLite in WAL mode, one committed row per trial.

A run directory holds

- ``sweep.toml``: the resolved sweep file (every default filled in);
- ``results.sqlite``: a ``meta`` table (the sweep's digest, its resolved data, creation time
  and versions) and a ``trials`` table with one row per trial: id, parameters, learner,
  repetition, seed, status (``pending``, ``ok``, ``failed``, ``timeout``), metrics, error type
  and message, wall time, host and package versions;
- ``workers.log``: what the worker processes printed on stderr.

Every trial of the grid gets a ``pending`` row when the run starts, and each finished trial
updates its row in a transaction of its own. SQLite's write-ahead log with
``synchronous=NORMAL`` keeps every committed transaction through a crash or ``kill -9`` of
the process (only a power cut can lose the last ones), so a killed sweep loses only the
trials in flight and rerunning the same command resumes it. A run directory made by another
sweep file is refused, never overwritten. The ``meta`` table records the store's format
(a newer one is refused) and the package versions; resuming under other versions of
:data:`RESUME_VERSIONS` is refused unless allowed, and an allowed change is recorded.

Size: about 600 lines, because the one schema and every statement that touches it
(creating a run directory atomically, resuming, checking the store's format and the package
versions it was made under, read-only opening, reading and exporting) stay together.

Examples
--------
>>> import tempfile
>>> from hardlearn.experiments.spec import parse_spec
>>> from hardlearn.experiments.registry import run_task
>>> spec = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1, 2]}})
>>> with tempfile.TemporaryDirectory() as d:
...     with Store.create(d, spec) as store:
...         store.save(run_task(spec.tasks()[0]))
...         store.counts()
...     [row["status"] for row in read_results(d)]
{'ok': 1, 'pending': 1}
['ok', 'pending']
"""

from __future__ import annotations

import csv
import json
import logging
import os
import sqlite3
import sys
import warnings
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hardlearn._format import column_names
from hardlearn._optional import require
from hardlearn.errors import ParameterError, StoreError
from hardlearn.experiments.framework import Record, environment
from hardlearn.experiments.spec import SweepSpec, Task, parse_spec

_log = logging.getLogger(__name__)

__all__ = [
    "Store",
    "read_results",
    "read_meta",
    "to_arrow",
    "write_table",
    "DB_NAME",
    "SPEC_NAME",
    "LOG_NAME",
    "RESUME_VERSIONS",
]

#: The SQLite store's file name inside a run directory.
DB_NAME = "results.sqlite"
#: The file name of the copy of the sweep file kept in a run directory.
SPEC_NAME = "sweep.toml"
#: The file name of the workers' log inside a run directory.
LOG_NAME = "workers.log"
_LOCK_NAME = ".lock"
#: Version of the store's layout (the ``format`` entry of ``meta``). A store of a higher
#: format was written by a newer hardlearn and is refused, never misread.
_FORMAT = "1"
#: Packages whose versions must be those the run directory was made with to resume it:
#: NumPy promises the same random stream only for the same version, and torch, fpylll and
#: python-flint compute the trials' numbers. Overridden by ``allow_version_change``.
RESUME_VERSIONS = ("hardlearn", "numpy", "torch", "fpylll", "python-flint")
#: Statuses a trial row can hold (``--status`` accepts these).
_ALL_STATUSES = ("pending", "ok", "failed", "timeout")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
    task_id TEXT PRIMARY KEY,
    ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    learner TEXT,
    learner_name TEXT,
    learner_params TEXT NOT NULL,
    repetition INTEGER NOT NULL,
    seed TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    metrics TEXT,
    error_type TEXT,
    error_message TEXT,
    traceback TEXT,
    seconds REAL,
    started TEXT,
    finished TEXT,
    host TEXT,
    versions TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
"""


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class _DirLock:
    """An exclusive advisory lock on the run directory (POSIX ``flock``; no-op elsewhere)."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / _LOCK_NAME
        self.handle: Any = None

    def acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory lock
            return
        self.handle = open(self.path, "a")  # noqa: SIM115 - held for the run's lifetime
        try:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.close()
            self.handle = None
            raise StoreError(
                f"run directory {self.path.parent} is in use by another running sweep; wait "
                "for it to finish or stop it first."
            ) from None

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


class Store:
    """Read and write the trials of one run directory. Use :meth:`create` or :meth:`open`."""

    def __init__(self, run_dir: Path, conn: sqlite3.Connection, lock: _DirLock | None) -> None:
        self.run_dir = run_dir
        self.conn = conn
        self._lock = lock

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def create(cls, run_dir: str | Path, spec: SweepSpec, *,
               allow_version_change: bool = False) -> Store:
        """Open ``run_dir`` for ``spec``: create it, or resume it if ``spec`` made it.

        Refuses (:class:`~hardlearn.errors.StoreError`) a directory made by another sweep
        file, a non-empty directory that is not a run directory, a directory another sweep
        is writing, a store of a newer format, and a store made under other versions of the
        :data:`RESUME_VERSIONS` packages unless ``allow_version_change`` (then it warns and
        records the change in ``meta``). Inserts a ``pending`` row for every trial not yet
        stored.
        """
        root = Path(run_dir)
        db = root / DB_NAME
        if root.exists() and not root.is_dir():
            raise StoreError(f"--out {root} exists and is not a directory.")
        if root.is_dir() and not db.exists() and any(
            p.name != _LOCK_NAME for p in root.iterdir()
        ):
            raise StoreError(
                f"--out {root} is a non-empty directory without {DB_NAME}, so it is not a "
                "hardlearn run directory; refusing to write into it. Choose a new directory."
            )
        if not db.exists():
            cls._create_atomically(root, spec)
        lock = _DirLock(root)
        lock.acquire()
        try:
            conn = _connect(db)
            conn.executescript(_SCHEMA)
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            try:
                _check_format(db, meta)
            except StoreError:
                conn.close()
                raise
            if meta and meta.get("spec_digest") != spec.digest:
                from hardlearn.experiments.identity import first_difference, identity

                diff = first_difference(identity(json.loads(meta.get("spec", "{}"))),
                                        identity(spec.to_dict()))
                if diff is not None:
                    conn.close()
                    raise StoreError(
                        f"run directory {root} was made by a different sweep file ({diff}); "
                        "refusing to mix them. Use a new --out directory, or rerun with the "
                        f"original file saved as {root / SPEC_NAME}."
                    )
                cls(root, conn, None)._adopt(spec)  # only budgets, order or names changed
            try:
                changed = _version_changes(root, meta, allow_version_change)
            except StoreError:
                conn.close()
                raise
            if changed:
                _record_version_change(conn, meta, changed)
            store = cls(root, conn, lock)
            if not meta:
                store._init_meta(spec)
            store._insert_pending(spec.tasks())
            return store
        except BaseException:
            lock.release()
            raise

    @classmethod
    def _create_atomically(cls, root: Path, spec: SweepSpec) -> None:
        """Make ``root`` appear with its store and sweep file complete, or not at all.

        The store is built in a private sibling directory and renamed into place (POSIX
        ``rename`` is atomic), so a crash at any moment leaves either no run directory or a
        resumable one. A sibling that loses the race to a concurrent sweep is removed; the
        caller then resumes (or is told the directory is in use).
        """
        import shutil
        import uuid

        tmp = root.parent / f".{root.name}.{uuid.uuid4().hex[:12]}.creating"
        try:
            root.parent.mkdir(parents=True, exist_ok=True)
            tmp.mkdir()
        except OSError as exc:  # name the directory the user gave, not the private sibling
            raise OSError(exc.errno, exc.strerror, str(root)) from None
        try:
            conn = _connect(tmp / DB_NAME)
            try:
                conn.executescript(_SCHEMA)
                cls(tmp, conn, None)._init_meta(spec)
            finally:
                conn.close()
            if root.is_dir():  # empty, or holding only the lock file of an older version
                lock = _DirLock(root)
                lock.acquire()  # refuses if another sweep holds it
                try:
                    (root / _LOCK_NAME).unlink(missing_ok=True)
                    root.rmdir()
                except OSError:
                    pass  # someone else filled it: the rename below fails and we resume
                finally:
                    lock.release()
            try:
                os.rename(tmp, root)
            except OSError:
                if not (root / DB_NAME).exists():
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def open(cls, run_dir: str | Path) -> Store:
        """Open an existing run directory read-only (``results``, ``plot``, ``report``).

        The database is opened with SQLite's ``mode=ro``, so reading never changes a file
        (no switch to WAL mode); an empty, corrupt or foreign file is refused with a
        :class:`~hardlearn.errors.StoreError`.
        """
        root = Path(run_dir)
        db = root / DB_NAME
        if not db.is_file():
            raise StoreError(
                f"{root} is not a run directory: {DB_NAME} is missing. Run `hardlearn sweep "
                f"FILE --out {root}` first."
            )
        try:
            conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0,
                                   isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{db} cannot be opened: {exc}.") from None
        try:
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"meta", "trials"} <= tables:
                raise StoreError(
                    f"{db} is not a hardlearn results store (it has no meta and trials "
                    f"tables{'; it is empty' if not tables else ''}). Point at the run "
                    "directory a `hardlearn sweep` wrote."
                )
            _check_format(db, dict(conn.execute("SELECT key, value FROM meta").fetchall()))
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{db} is not a readable SQLite database: {exc}.") from None
        except StoreError:
            conn.close()
            raise
        return cls(root, conn, None)

    def _init_meta(self, spec: SweepSpec) -> None:
        env = environment()
        meta = {
            "format": _FORMAT,
            "spec_digest": spec.digest,
            "spec": json.dumps(spec.to_dict()),
            "task": spec.task,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": env["host"],
            "versions": json.dumps(env["versions"], sort_keys=True),
            "argv": json.dumps(sys.argv),
        }
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        (self.run_dir / SPEC_NAME).write_text(spec.to_toml(), encoding="utf-8")

    def _adopt(self, spec: SweepSpec) -> None:
        """Record a sweep file that differs only in what no trial depends on (budgets...)."""
        with self.conn:
            self.conn.execute("BEGIN")
            for key, value in (("spec_digest", spec.digest), ("spec", json.dumps(spec.to_dict()))):
                self.conn.execute("UPDATE meta SET value=? WHERE key=?", (value, key))
        (self.run_dir / SPEC_NAME).write_text(spec.to_toml(), encoding="utf-8")

    def _insert_pending(self, tasks: Sequence[Task]) -> None:
        rows = [
            (
                t.task_id,
                i,
                t.kind,
                json.dumps(t.params, sort_keys=True),
                t.learner,
                t.learner_name,
                json.dumps(t.learner_params, sort_keys=True),
                t.repetition,
                json.dumps(t.seed),
            )
            for i, t in enumerate(tasks)
        ]
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.executemany(
                "INSERT OR IGNORE INTO trials (task_id, ordinal, kind, params, learner, "
                "learner_name, learner_params, repetition, seed) VALUES (?,?,?,?,?,?,?,?,?)",
                rows,
            )

    # -- writing -----------------------------------------------------------------------

    def save(self, record: Record) -> None:
        """Commit one finished trial in its own transaction (overwrites a retried one).

        A full disk raises :class:`OSError` (``ENOSPC``) naming the store; every trial
        committed before stays, so freeing space and rerunning resumes.
        """
        try:
            self._save(record)
        except sqlite3.OperationalError as exc:
            if "full" not in str(exc):
                raise
            import errno

            raise OSError(errno.ENOSPC, f"the store is full ({exc})",
                          str(self.run_dir / DB_NAME)) from None

    def _save(self, record: Record) -> None:
        cur = self.conn.execute(
            "UPDATE trials SET status=?, metrics=?, error_type=?, error_message=?, traceback=?, "
            "seconds=?, started=?, finished=?, host=?, versions=?, attempts=attempts+1 "
            "WHERE task_id=?",
            (
                record.status,
                json.dumps(record.metrics, sort_keys=False),
                record.error_type,
                record.error_message,
                record.traceback,
                record.seconds,
                record.started,
                record.finished,
                record.host,
                json.dumps(record.versions, sort_keys=True),
                record.task_id,
            ),
        )
        if cur.rowcount != 1:
            raise StoreError(f"trial {record.task_id} is not in the store of {self.run_dir}.")

    def done_ids(self, *, retry_failed: bool = False) -> set[str]:
        """Ids of trials a resumed run skips: status ok, plus failed/timeout unless retried."""
        statuses = ("ok",) if retry_failed else ("ok", "failed", "timeout")
        marks = ",".join("?" * len(statuses))
        cur = self.conn.execute(f"SELECT task_id FROM trials WHERE status IN ({marks})", statuses)
        return {row[0] for row in cur}

    def counts(self) -> dict[str, int]:
        """Number of trials by status."""
        cur = self.conn.execute("SELECT status, COUNT(*) FROM trials GROUP BY status")
        return dict(sorted(cur.fetchall()))

    def meta(self) -> dict[str, str]:
        """The ``meta`` table as a dict."""
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def spec(self) -> SweepSpec:
        """The sweep this directory was made by."""
        return parse_spec(json.loads(self.meta()["spec"]), source=str(self.run_dir / SPEC_NAME))

    def close(self) -> None:
        """Close the database and release the directory lock."""
        self.conn.close()
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------

    def _param_order(self) -> list[str]:
        """Grid keys in display order: swept keys first, then fixed ones, each in file order."""
        try:
            grid = json.loads(self.meta().get("spec", "{}")).get("grid", {})
        except json.JSONDecodeError:
            return []
        swept = [k for k, v in grid.items() if isinstance(v, list)]
        return swept + [k for k in grid if k not in swept]

    def rows(self, *, statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """One flat dict per trial, in grid order (see :func:`read_results`)."""
        query = (
            "SELECT task_id, status, params, learner, learner_params, repetition, metrics, "
            "seconds, error_type, error_message, host, seed FROM trials ORDER BY ordinal"
        )
        wanted = set(statuses) if statuses is not None else None
        order = self._param_order()
        out = []
        for row in self.conn.execute(query):
            (tid, status, params, learner, lparams, rep, metrics, secs, etype, emsg, host, seed) = (
                row
            )
            if wanted is not None and status not in wanted:
                continue
            flat: dict[str, Any] = {"task_id": tid, "status": status}
            values = json.loads(params)
            for key in order:
                if key in values:
                    flat[key] = values.pop(key)
            flat.update(values)
            flat["learner"] = learner
            flat["learner_params"] = lparams
            flat["repetition"] = rep
            for key, value in (json.loads(metrics) if metrics else {}).items():
                flat[key if key not in flat else f"metric_{key}"] = value
            flat["seconds"] = secs
            flat["error_type"] = etype
            flat["error_message"] = emsg
            flat["host"] = host
            flat["seed"] = seed
            out.append(flat)
        return out


def _check_format(db: Path, meta: dict[str, str]) -> None:
    """Refuse a store whose ``format`` is newer than this code reads, or not a number."""
    text = meta.get("format", _FORMAT)
    try:
        found = int(text)
    except (TypeError, ValueError):
        raise StoreError(f"{db} has a corrupt format entry {text!r}; it must be an integer "
                         f"(this hardlearn writes format {_FORMAT}).") from None
    if found > int(_FORMAT):
        from hardlearn import __version__

        raise StoreError(
            f"{db} was written by a newer hardlearn (store format {found}; hardlearn "
            f"{__version__} reads format {_FORMAT} and older); upgrade hardlearn to use it."
        )


def _version_changes(root: Path, meta: dict[str, str], allow: bool) -> list[str]:
    """The :data:`RESUME_VERSIONS` packages whose versions differ from the store's.

    Raises :class:`StoreError` when some differ and ``allow`` is false; warns otherwise.
    """
    if not meta:
        return []
    try:
        stored = json.loads(meta.get("versions", "{}"))
    except json.JSONDecodeError:
        stored = {}
    now = environment()["versions"]
    changed = [f"{pkg} {stored.get(pkg, 'unknown')} -> {now.get(pkg, 'absent')}"
               for pkg in RESUME_VERSIONS if stored.get(pkg) != now.get(pkg)]
    if not changed:
        return []
    what = ", ".join(changed)
    if not allow:
        raise StoreError(
            f"run directory {root} was made under other package versions ({what}); NumPy "
            "gives the same random numbers only under the same version, so the trials run "
            "now might not be comparable with the stored ones. Resume anyway with "
            "--allow-version-change (allow_version_change=True), or use a new --out directory."
        )
    message = (f"resuming {root} under other package versions ({what}); every trial "
               "records the versions it ran under")
    _log.warning(message)
    warnings.warn(message, UserWarning, stacklevel=4)
    return changed


def _record_version_change(conn: sqlite3.Connection, meta: dict[str, str],
                           changed: list[str]) -> None:
    """Append the change to ``meta``'s ``version_changes`` (a JSON array) and make the
    current versions the store's, so the next resume under them needs no permission."""
    try:
        history = json.loads(meta.get("version_changes", "[]"))
    except json.JSONDecodeError:
        history = []
    history.append({"at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "changed": changed})
    versions = json.dumps(environment()["versions"], sort_keys=True)
    with conn:
        conn.execute("BEGIN")
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                         [("version_changes", json.dumps(history)), ("versions", versions)])


def read_results(
    run_dir: str | Path, *, statuses: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The results table of a run directory: one dict per trial, in grid order.

    Columns: ``task_id``, ``status``, the grid parameters, ``learner``, ``learner_params``
    (JSON), ``repetition``, the metrics (``advantage``, ...), ``seconds``, ``error_type``,
    ``error_message``, ``host``, ``seed`` (JSON). Trials not yet run have status ``pending``
    and no metrics. ``statuses`` keeps only rows with those statuses.
    """
    if statuses is not None:
        statuses = list(statuses)
        for status in statuses:
            if status not in _ALL_STATUSES:
                raise ParameterError(
                    f"--status must be one of {', '.join(map(repr, _ALL_STATUSES))}; "
                    f"got {status!r}."
                )
    store = Store.open(run_dir)
    try:
        return store.rows(statuses=statuses)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the store of {run_dir} cannot be read: {exc}.") from None
    finally:
        store.close()


def read_meta(run_dir: str | Path) -> dict[str, str]:
    """The ``meta`` table of a run directory (digest, resolved sweep, versions, ...)."""
    store = Store.open(run_dir)
    try:
        return store.meta()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the store of {run_dir} cannot be read: {exc}.") from None
    finally:
        store.close()


def to_arrow(rows: Sequence[dict[str, Any]]) -> Any:
    """The rows as a :class:`pyarrow.Table` (missing values become nulls)."""
    require("pyarrow", feature="the results store")
    import pyarrow as pa

    cols = column_names(rows)
    data = {}
    for col in cols:
        values = [row.get(col) for row in rows]
        try:
            data[col] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            data[col] = pa.array([None if v is None else json.dumps(v) for v in values])
    return pa.table(data)


def write_table(rows: Sequence[dict[str, Any]], path: str | Path, fmt: str) -> None:
    """Write rows to ``path`` as ``csv`` or ``parquet``."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            pq.write_table(to_arrow(rows), str(path))
        except OSError as exc:  # pyarrow's errors carry no filename
            raise OSError(exc.errno, f"cannot write Parquet: {exc}", os.fspath(path)) from None
        return
    if fmt != "csv":
        raise ParameterError(f"--format must be one of 'table', 'csv', 'parquet'; got {fmt!r}.")
    cols = column_names(rows)
    newline_ok = os.fspath(path) != "-"
    handle = open(path, "w", newline="", encoding="utf-8") if newline_ok else sys.stdout  # noqa: SIM115
    try:
        writer = csv.writer(handle)
        writer.writerow(cols)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in cols])
    finally:
        if handle is not sys.stdout:
            handle.close()


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value
