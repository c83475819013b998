"""End-to-end training examples on real data (docs/training.md): data
loaders of the ``examples`` extra, full-SYM training through a backend, the
float32 twin, metrics and memory accounting."""
from .data import DATASETS, Dataset, MissingExtraError, load_dataset  # noqa: F401
from .loop import RunResult, SymTrainer, TrainingError, epoch_batches, one_hot, run  # noqa: F401
from .metrics import confusion, scores  # noqa: F401
from .twin import FloatTwin  # noqa: F401
