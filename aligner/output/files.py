"""Where outputs go: checked before any work, written whole or not at all, never over an input.

A run's output is checked before a single input is read (`check_output`), so a wrong `-o`
costs nothing. Regular files are written to a temporary file beside the target and renamed
over it (`atomic_write`), after an fsync, with the mode the old file had or, for a new file,
the one the user's umask gives. Character devices and FIFOs (`/dev/null`, `/dev/stdout`, a pipe)
are written through, since renaming over them would replace the device with a plain file.
"""

from __future__ import annotations

import glob
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from aligner.errors import InputError


def check_outputs(outputs: Iterable[str], inputs: Iterable[str] = ()) -> None:
    """`check_output` for every file a command writes (its side files too), against every input."""
    inputs = [given for given in inputs if given]
    for output in outputs:
        check_output(output, inputs)


def check_output(output: str, inputs: Iterable[str] = ()) -> None:
    """Refuse, with one line, an output that cannot or must not be written: a directory, a
    missing or read-only folder, a special file other than a device or pipe, an input file (by
    inode, a glob's matches included, and a literal name with glob characters), or a path inside
    an input folder (the next run would read it back as input)."""
    if output == "-":
        return
    target = Path(output)
    if target.is_dir():
        raise InputError(f"cannot write {output}: it is a directory (give a file name)")
    if target.exists() and not writes_through(target) and not stat.S_ISREG(target.stat().st_mode):
        raise InputError(f"cannot write {output}: it is neither a regular file, a device nor a pipe")
    resolved = target.resolve()
    for given in inputs:
        if given == "-":
            continue
        for source in _named(given):
            if source.is_dir() and (resolved == source.resolve() or source.resolve() in resolved.parents):
                raise InputError(f"cannot write {output}: it is inside the input folder {source}, which is "
                                 "read recursively (the next run would read the output as input)")
            if source.is_file() and resolved.exists() and os.path.samefile(source, resolved):
                raise InputError(f"cannot write {output}: it is the input {source}")
    if writes_through(target):
        return
    folder = resolved.parent
    if not folder.is_dir():
        raise InputError(f"cannot write {output}: folder {target.parent} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {output}: folder {target.parent} is not writable")


def atomic_write(target: Path, pieces: Iterable[str] | Iterable[bytes], binary: bool = False) -> Path:
    """Write ``pieces`` (text, or bytes when ``binary``) to ``target``: whole or not at all for a
    regular file (a symlink's target is replaced, not the link), straight through for a device
    or pipe."""
    opening, encoding = ("wb", None) if binary else ("w", "utf-8")
    if writes_through(target):
        try:
            with open(target, opening, encoding=encoding) as handle:
                handle.writelines(pieces)  # type: ignore[arg-type]
        except OSError as exc:
            raise InputError(f"cannot write {target}: {exc.strerror}") from None
        return target
    final = target.resolve() if target.is_symlink() else target
    folder = final.parent
    if not folder.is_dir():
        raise InputError(f"cannot write {target}: folder {target.parent} does not exist")
    mode = stat.S_IMODE(final.stat().st_mode) if final.exists() else 0o666 & ~_umask()
    _remove_dead_runs_files(final)
    try:
        temporary = tempfile.NamedTemporaryFile(opening, encoding=encoding, dir=folder,
                                                prefix=f".{final.name}.{os.getpid()}.", suffix=".tmp", delete=False)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    try:
        with temporary:
            temporary.writelines(pieces)  # type: ignore[arg-type]
            temporary.flush()
            os.fsync(temporary.fileno())
        os.chmod(temporary.name, mode)  # a temporary file is created 0600 whatever the umask
        os.replace(temporary.name, final)
    except BaseException:
        os.unlink(temporary.name)
        raise
    return target


def _named(given: str) -> list[Path]:
    """What an input argument names: the path itself (a literal name may hold [ or *), and what
    it matches as a glob."""
    named = [Path(given)]
    if any(c in given for c in "*?["):
        named += [Path(match) for match in sorted(glob.glob(given, recursive=True))]
    return named


def _remove_dead_runs_files(final: Path) -> None:
    """The temporary files that runs killed while writing ``final`` left beside it (their names
    carry the writer's process id; a live writer's file is left alone)."""
    for stale in final.parent.glob(f".{glob.escape(final.name)}.*.tmp"):
        pid = stale.name[len(final.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def writes_through(target: Path) -> bool:
    """A character device or FIFO: written in place, never replaced."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
