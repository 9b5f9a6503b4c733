"""Passes over a dataloader (INT8 calibration, verification): how many
batches a pass gets, and its progress lines, ``calibration
(val_dataloader): batch 3/16, 2.1 s``, printed and flushed, a few a pass,
so that a log shows the pass is alive."""
import logging
import time
from typing import Any, Iterable, Iterator, Optional, TypeVar

from mmengine.logging import print_log

__all__ = ['batch_progress', 'dataloader_length', 'batches_to_take']

T = TypeVar('T')


def batch_progress(batches: Iterable[T], what: str,
                   total: Optional[int] = None,
                   every: Optional[int] = None) -> Iterator[T]:
    """Yield ``batches``, printing a line as some of them start.

    Batch 1, every ``every``-th and the last (batch ``total``) get a line
    ``{what}: batch {i}/{total}, {seconds since the start:.1f} s``
    (``batch {i}`` without a total).

    Args:
        batches (Iterable): The batches, e.g. a dataloader.
        what (str): The pass, e.g. ``'calibration (val_dataloader)'``.
        total (int, optional): How many batches the pass takes, if known.
            Defaults to None.
        every (int, optional): Batches between lines. Defaults to None:
            ``ceil(total / 10)`` (about 10 lines a pass), 10 without a
            total.

    Returns:
        Iterator: The batches, unchanged.
    """
    if every is None:
        every = -(-total // 10) if total else 10  # ceil
    start = time.perf_counter()
    for i, batch in enumerate(batches, 1):
        if i == 1 or i % every == 0 or i == total:
            of = f'/{total}' if total else ''
            print(f'{what}: batch {i}{of}, '
                  f'{time.perf_counter() - start:.1f} s', flush=True)
        yield batch


def dataloader_length(loader: Any) -> Optional[int]:
    """``len(loader)``, or None for one without a length (an iterable
    dataset)."""
    try:
        return len(loader)
    except TypeError:
        return None


def batches_to_take(loader: Any, asked: int, what: str,
                    name: str) -> Optional[int]:
    """How many batches a pass that asks for ``asked`` of ``loader`` gets.

    When the dataloader has fewer, a warning is logged (MMEngine's
    ``print_log``: it shows under ``PYTHONWARNINGS=ignore`` too) naming
    both numbers, the dataloader, its clips and annotation file, and the
    pass goes on with what there is.

    Args:
        loader (DataLoader): The dataloader.
        asked (int): The batches asked for.
        what (str): The pass, e.g. ``'calibration'``.
        name (str): The dataloader's name, e.g. ``'val_dataloader'``.

    Returns:
        int | None: ``min(asked, len(loader))``; None if the dataloader
        has no length.
    """
    available = dataloader_length(loader)
    if available is None or available >= asked:
        return None if available is None else asked
    dataset = loader.dataset
    source = getattr(dataset, 'ann_file', None)
    print_log(
        f'{asked} {what} batches asked, but {name} ({len(dataset)} clips'
        f'{f" of {source}" if source else ""}, batch size '
        f'{loader.batch_size}) has only {available}: {what} on '
        f'{available}', logger='current', level=logging.WARNING)
    return available
