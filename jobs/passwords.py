"""The SMTP password: read from an environment variable or a file only its owner can read, never kept or shown.

A password file is refused as OpenSSH refuses a private key others can read: a symbolic link, a
file of another user, or one that the group or others can read or write. The password is read
when a message is sent, handed to smtplib, and never put in a message, a log line or an error:
errors say where the password was looked for, never what was found.
"""

from __future__ import annotations

import os
import stat
from shlex import quote

from .config import MailConfig
from .errors import ConfigError
from .settings import distrust

#: The most a password file holds; a bigger file is not one (a log, an image named by mistake).
MAX_PASSWORD_BYTES = 64 * 1024


class PasswordError(ConfigError):
    """The password cannot be had: its variable is unset, or its file is missing or not its owner's alone."""


def read_password(mail: MailConfig) -> str | None:
    """The password for `mail.username` (None when no login is configured); PasswordError when it cannot be had."""
    if mail.password_env is not None:
        value = os.environ.get(mail.password_env)
        if not value:
            raise PasswordError(f"[mail] password_env: the environment variable {mail.password_env} is not set")
        return value
    if mail.password_file is None:
        return None
    path = mail.password_file
    problem = _file_problem(path)
    if problem:
        raise PasswordError(f"[mail] password_file: {problem}")
    try:
        # Not blocking: a FIFO put in its place between the check and here would block the run forever.
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as handle:
            # The file opened is checked again: another may have been renamed into its place since.
            problem = _status_problem(path, os.fstat(descriptor))
            if problem:
                raise PasswordError(f"[mail] password_file: {problem}")
            os.set_blocking(descriptor, True)
            data = handle.read(MAX_PASSWORD_BYTES + 1)
    except OSError as error:
        raise PasswordError(f"[mail] password_file: {path} cannot be read: {error.strerror}") from None
    if len(data) > MAX_PASSWORD_BYTES:  # cut, it would be another password: refused, not shortened
        raise PasswordError(f"[mail] password_file: {path} is bigger than a password ({MAX_PASSWORD_BYTES} bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PasswordError(f"[mail] password_file: {path} is not UTF-8 text") from None
    value = text.rstrip("\r\n")  # the line's end is not part of the password
    if not value:
        raise PasswordError(f"[mail] password_file: {path} is empty")
    return value


def _file_problem(path: os.PathLike[str]) -> str | None:
    """Why a password file must not be used (symbolic link, another's, readable or writable by others), or None."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return f"{path} does not exist"
    except OSError as error:
        return f"{path} cannot be checked ({error.strerror})"
    distrusted = distrust(path)  # type: ignore[arg-type]
    if distrusted is not None:
        return str(distrusted)
    return _status_problem(path, status)


def _status_problem(path: os.PathLike[str], status: os.stat_result) -> str | None:
    """Why the file with this status must not be used: not a regular file, another user's, or others can read it."""
    if status.st_uid != os.geteuid():
        return f"{path} belongs to user id {status.st_uid}, not to user id {os.geteuid()} that runs digest"
    if not stat.S_ISREG(status.st_mode):
        return f"{path} is not a regular file"
    if status.st_mode & 0o077:
        return (
            f"{path} can be read by other users (mode {stat.S_IMODE(status.st_mode):o}); chmod 600 {quote(str(path))}"
        )
    return None


def password_problems(mail: MailConfig) -> list[str]:
    """What stops the configured password from being read (for `digest config check`); empty when it can be."""
    try:
        read_password(mail)
    except PasswordError as error:
        return [str(error)]
    return []
