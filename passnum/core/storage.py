"""The private files' storage: generated files (print runs with codes in clear, statements,
agreements, reports, exports) are readable by the application's user only and written whole.

Rules: a file is written 0600 in folders 0700 (MEDIA_ROOT included); its bytes go to a
temporary file of the same folder, are flushed to disk, then renamed to their name, so a
process killed mid-way leaves no half file under that name (at most a hidden temporary one,
never referenced)."""

import os
import tempfile

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models import Q
from django.utils.deconstruct import deconstructible

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


@deconstructible
class PrivateFileSystemStorage(FileSystemStorage):
    """FileSystemStorage writing 0600 files in 0700 folders, atomically (temp file, rename)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", FILE_MODE)
        kwargs.setdefault("directory_permissions_mode", DIRECTORY_MODE)
        super().__init__(**kwargs)

    def _ensure_directory(self, directory: str) -> None:
        root = os.path.abspath(self.location)
        os.makedirs(root, mode=DIRECTORY_MODE, exist_ok=True)
        os.chmod(root, DIRECTORY_MODE)
        # Every folder between MEDIA_ROOT and the file, created or not by us, is 0700.
        current = root
        for part in os.path.relpath(directory, root).split(os.sep):
            if part in ("", "."):
                continue
            current = os.path.join(current, part)
            os.makedirs(current, mode=DIRECTORY_MODE, exist_ok=True)
            os.chmod(current, DIRECTORY_MODE)

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        self._ensure_directory(directory)
        # The name is free (get_available_name); the bytes go to a temporary file first.
        while True:
            fd, tmp_path = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=directory)
            try:
                os.fchmod(fd, FILE_MODE)
                with os.fdopen(fd, "wb") as handle:
                    if hasattr(content, "temporary_file_path"):
                        with open(content.temporary_file_path(), "rb") as source:
                            while chunk := source.read(1 << 20):
                                handle.write(chunk)
                    else:
                        for chunk in content.chunks():
                            handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                    handle.flush()
                    os.fsync(handle.fileno())
                # link() refuses an existing name (a concurrent writer took it): pick another.
                try:
                    os.link(tmp_path, full_path)
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
                    continue
                except OSError:  # a file system without hard links: rename (may overwrite)
                    os.replace(tmp_path, full_path)
                finally:
                    if os.path.exists(tmp_path):
                        os.unlink(tmp_path)
            except BaseException:
                if os.path.exists(tmp_path):
                    os.unlink(tmp_path)
                raise
            break
        _fsync_directory(directory)
        return str(name).replace("\\", "/")


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_record_once(instance, *, field: str, name: str, data: bytes, **extra) -> bool:
    """Write ``data`` as the file of ``instance.<field>`` and record it, once.

    Rules: the bytes are written whole by the field's storage (temporary file, then rename);
    the row takes the file (and ``extra`` values, e.g. its checksum) only while its file is
    still empty, in one conditional UPDATE, so a second rendering (a duplicate delivery of the
    task, a rerun) leaves the first file recorded and removes its own. Returns whether this
    call recorded its file."""
    model = type(instance)
    file_field = instance._meta.get_field(field)
    storage = file_field.storage
    stored = storage.save(file_field.generate_filename(instance, name), ContentFile(data))
    updated = (
        model._default_manager.filter(Q(**{field: ""}) | Q(**{f"{field}__isnull": True}))
        .filter(pk=instance.pk)
        .update(**{field: stored}, **extra)
    )
    if not updated:
        storage.delete(stored)
        instance.refresh_from_db()
        return False
    setattr(instance, field, stored)
    for key, value in extra.items():
        setattr(instance, key, value)
    return True
