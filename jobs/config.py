"""The config file, `digest.toml`: `digest run`'s options, the mail settings and the topics.

    [run]               every `digest run` option, named as its flag (`output-dir`, `sentences`, ...)
    [mail]              where and how the run's new records are mailed (`MailConfig`)
    [topics.NAME]       a topic: its keywords and who subscribes to it (`TopicConfig`)

The `[run]` keys are not listed here: they are `digest run`'s own options, read from the click
command (`read_config`'s `run_params`), and checked with click's own types, so a flag added to
`digest run` is a key of the file at once, and a key can never take a value the flag would not.
Every mistake is found in one pass and named with its line (`ConfigFileError.problems`).
A password is never in the file: `password_env` or `password_file` says where it is (`secrets.py`).
"""

from __future__ import annotations

import difflib
import email.errors
import email.policy
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import click

from .errors import ConfigError
from .writing import open_regular

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

#: The file a run reads from its working folder when no `--config` is given.
CONFIG_NAME = "digest.toml"
#: A config file is a few hundred bytes; one bigger than this is not one (and is not read whole).
MAX_CONFIG_BYTES = 1 << 20
SECURITIES = ("none", "starttls", "tls")
#: The SMTP port of each `security` when `port` is not given (RFC 8314: 465 for implicit TLS).
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
_LOOPBACK = ("localhost", "127.0.0.1", "::1")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: C1 controls (NEL) and the line and paragraph separators, which some readers take for a line's end.
_BREAKS = re.compile(r"[\x80-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class TopicConfig:
    """A `[topics.NAME]` section: the keywords that make a record the topic's, and who is mailed its records."""

    keywords: tuple[str, ...]
    subscribers: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailConfig:
    """The `[mail]` section: the SMTP server, how to reach it, and the message's sender and recipients."""

    host: str
    sender: str  # the `from` key
    to: tuple[str, ...]
    security: str = "starttls"
    port: int = DEFAULT_PORTS["starttls"]
    username: str | None = None
    #: Where the password is: an environment variable's name, or a file only its owner can read.
    password_env: str | None = None
    password_file: Path | None = None
    #: CA certificates (PEM) the server's certificate is verified against (None: the system's).
    cafile: Path | None = None
    subject_prefix: str = "[digest]"
    timeout: float = 60.0


@dataclass(frozen=True)
class Config:
    """A config file read and checked: `run` is `digest run`'s defaults by parameter name (click's `default_map`)."""

    path: Path | None = None
    run: dict[str, Any] = field(default_factory=dict)
    mail: MailConfig | None = None
    topics: dict[str, TopicConfig] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """One mistake in a config file, with the line it is on (None: the file as a whole)."""

    line: int | None
    message: str


class ConfigFileError(ConfigError):
    """A config file with mistakes: every one of them, each on a line of its own with its line number."""

    def __init__(self, path: Path, problems: Sequence[Problem]) -> None:
        self.path = path
        self.problems = sorted(problems, key=lambda problem: problem.line or 0)
        lines = [f"{path}{f', line {p.line}' if p.line else ''}: {p.message}" for p in self.problems]
        super().__init__("\n".join(lines))


#: A topic's name becomes file names (`topics/<name>.html`): letters, digits, `_`, `-` and `.`.
_NAME = re.compile(r"[^\W_][\w.-]*")
NAME_LIMIT = 64
#: Names Windows reserves for devices, whatever their suffix: never a file of a topic.
_DEVICES = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}


def check_topic_name(name: str) -> None:
    """Refuse (ConfigError) a topic name that cannot be a file name in every file system digest writes to."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name.endswith("."):
        raise ConfigError(
            f"topic name {name!r}: use letters, digits, '_', '-' and '.' (starting with a letter or digit, "
            "not ending with '.'), as it names the topic's files"
        )
    if len(name) > NAME_LIMIT:
        raise ConfigError(f"topic name {name!r}: at most {NAME_LIMIT} characters")
    if name.split(".")[0].casefold() in _DEVICES:
        raise ConfigError(f"topic name {name!r}: a device name on Windows; choose another")


def file_key(name: str) -> str:
    """What a file system that folds case (and Unicode forms) sees of a topic's name: two topics with one share their files."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def find_config(given: Path | None, folder: Path = Path(".")) -> Path | None:
    """The config file to read: `given` (`--config`), else `digest.toml` in `folder` if there is one."""
    if given is not None:
        return given
    found = folder / CONFIG_NAME
    return found if found.exists() else None


def read_config(path: Path | None, run_params: Sequence[click.Parameter] = ()) -> Config:
    """Read and check the config file at `path` (an empty Config for None); ConfigFileError names every mistake.

    `run_params`: `digest run`'s parameters, which the `[run]` keys are (none given: `[run]` must be empty).
    """
    if path is None:
        return Config()
    text = _config_text(path)
    try:
        content = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise ConfigFileError(path, [Problem(int(found.group(1)) if found else None, str(error))]) from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise ConfigFileError(path, [Problem(None, "is nested too deeply to be read")]) from None
    reader = _Reader(path, text)
    config = reader.config(content, run_params)
    if reader.problems:
        raise ConfigFileError(path, reader.problems)
    return config


def _config_text(path: Path) -> str:
    """The config file's text: a regular file of at most MAX_CONFIG_BYTES in UTF-8 (ConfigFileError otherwise).

    A FIFO nobody writes to would block a cron run forever, and /dev/zero never ends.
    """
    try:
        with open_regular(path) as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ConfigFileError(path, [Problem(None, f"cannot be read: {error.strerror}")]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigFileError(
            path, [Problem(None, f"is bigger than {MAX_CONFIG_BYTES // 1024} KB; is it digest.toml?")]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigFileError(path, [Problem(None, f"is not UTF-8 ({error.reason} at byte {error.start})")]) from None


def run_key(param: click.Parameter) -> str:
    """The `[run]` key of a `digest run` parameter: its long flag without the dashes (`output-dir`), or its name."""
    longs = [opt[2:] for opt in param.opts if opt.startswith("--")]
    return longs[0] if longs else str(param.name)


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line of each table and key of a TOML text, by its dotted path (tomllib keeps no lines)."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_string = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            was, in_string = in_string, not in_string
            if was:
                continue
        if in_string:
            continue
        header = re.match(r"\s*\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$", line)
        if header:
            table = _parts(header.group(1))
            lines.setdefault(table, number)
            continue
        key = re.match(
            r"""\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=""", line
        )
        if key:
            lines.setdefault(table + _parts(key.group(1)), number)
    return lines


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in re.findall(r""""[^"]*"|'[^']*'|[^.\s]+""", dotted))


def _kind(value: Any) -> str:
    """What TOML calls a value's type, for a message."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)


def _did_you_mean(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known keys: {', '.join(sorted(known))}" if known else ""


class _Reader:
    """One pass over a config file's content, collecting every problem with its line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = _key_lines(text)
        self.problems: list[Problem] = []

    def problem(self, where: tuple[str, ...], message: str) -> None:
        line = None
        for end in range(len(where), 0, -1):  # the key's own line, else its table's
            line = self.lines.get(where[:end])
            if line is not None:
                break
        self.problems.append(Problem(line, message))

    def config(self, content: dict[str, Any], run_params: Sequence[click.Parameter]) -> Config:
        for key in content:
            if key not in ("run", "mail", "topics"):
                self.problem((key,), f"unknown section or key {key!r}; digest.toml has [run], [mail] and [topics.NAME]")
        run = self.table(content, "run")
        mail = self.table(content, "mail")
        topics = self.table(content, "topics")
        return Config(
            path=self.path,
            run=self.run(run, run_params) if run is not None else {},
            mail=self.mail(mail) if mail is not None else None,
            topics=self.topics(topics) if topics is not None else {},
        )

    def table(self, content: dict[str, Any], name: str) -> dict[str, Any] | None:
        value = content.get(name)
        if value is not None and not isinstance(value, dict):
            self.problem((name,), f"{name} must be a table ([{name}]), not {_kind(value)}")
            return None
        return value

    def run(self, table: dict[str, Any], params: Sequence[click.Parameter]) -> dict[str, Any]:
        """`[run]` as click's default_map for `digest run`, each value checked as the flag's would be."""
        by_key = {run_key(param): param for param in params if param.name not in ("config", "help")}
        defaults: dict[str, Any] = {}
        for key, value in table.items():
            param = by_key.get(key)
            if param is None:
                hint = _did_you_mean(key, list(by_key))
                if key in ("password", "smtp-password"):
                    hint = "; the SMTP password goes in [mail] as password_env or password_file"
                self.problem(("run", key), f"unknown key {key!r} in [run]{hint}")
                continue
            converted = self.run_value(key, value, param)
            if converted is not None:
                defaults[str(param.name)] = converted
        return defaults

    def run_value(self, key: str, value: Any, param: click.Parameter) -> Any:
        many = param.nargs == -1 or getattr(param, "multiple", False)
        values = value if many and isinstance(value, list) else [value]
        if many and not isinstance(value, list):
            values = [value]  # one input folder given as a string is taken as a list of one
        converted = []
        for item in values:
            expected = _expected(param)
            if not _is_a(item, expected):
                self.problem(("run", key), f"{key} must be {_describe(expected)}, not {_kind(item)} ({item!r})")
                return None
            if isinstance(param.type, click.Path) and not Path(item).is_absolute():
                item = str(self.path.parent / item)  # relative to the config file, wherever cron starts
            try:
                converted.append(param.type.convert(item, param, None))
            except click.BadParameter as error:
                self.problem(("run", key), f"bad value for {key}: {error.message}")
                return None
        return tuple(converted) if many else converted[0]

    def mail(self, table: dict[str, Any]) -> MailConfig | None:
        """`[mail]` as a MailConfig; None (with problems) when it has mistakes."""
        before = len(self.problems)
        check = _MailChecks(self, table)
        values = {key: check.value(key) for key in _MAIL_KEYS}
        for key in table:
            if key not in _MAIL_KEYS:
                hint = _did_you_mean(key, list(_MAIL_KEYS))
                if key == "password":
                    hint = "; a password is never kept in digest.toml: name it with password_env or password_file"
                self.problem(("mail", key), f"unknown key {key!r} in [mail]{hint}")
        for key in ("host", "from", "to"):
            if key not in table:
                self.problem(("mail",), f"[mail] needs {key!r}")
        if table.get("password_env") is not None and table.get("password_file") is not None:
            self.problem(("mail", "password_file"), "give password_env or password_file, not both")
        if "username" in table and "password_env" not in table and "password_file" not in table:
            self.problem(("mail", "username"), "a username needs password_env or password_file (where its password is)")
        security = values["security"] or "starttls"
        if "username" in table and security == "none" and values["host"] not in _LOOPBACK:
            self.problem(
                ("mail", "security"),
                f'a login with security = "none" would send the password to {values["host"]} unencrypted; '
                "use starttls or tls (none with a login is for a relay on this machine: localhost, 127.0.0.1, ::1)",
            )
        if len(self.problems) > before:
            return None
        return MailConfig(
            host=values["host"],
            sender=values["from"],
            to=tuple(values["to"]),
            security=security,
            port=values["port"] or DEFAULT_PORTS[security],
            username=values["username"],
            password_env=values["password_env"],
            password_file=values["password_file"],
            cafile=values["cafile"],
            subject_prefix=values["subject_prefix"] if values["subject_prefix"] is not None else "[digest]",
            timeout=float(values["timeout"] or 60.0),
        )

    def topics(self, table: dict[str, Any]) -> dict[str, TopicConfig]:
        topics = {}
        seen: dict[str, str] = {}
        for name, value in table.items():
            where = ("topics", name)
            try:  # the name names the topic's files
                check_topic_name(name)
            except ConfigError as error:
                self.problem(where, str(error))
            if file_key(name) in seen:
                self.problem(where, f"topics {seen[file_key(name)]!r} and {name!r} would share their files; rename one")
            seen.setdefault(file_key(name), name)
            if not isinstance(value, dict):
                self.problem(where, f"topic {name!r} must be a table ([topics.{name}]), not {_kind(value)}")
                continue
            for key in value:
                if key not in ("keywords", "subscribers"):
                    self.problem(
                        (*where, key),
                        f"unknown key {key!r} in [topics.{name}]{_did_you_mean(key, ['keywords', 'subscribers'])}",
                    )
            keywords = self.strings((*where, "keywords"), value.get("keywords"), "keywords")
            if "keywords" not in value:
                self.problem(where, f"topic {name!r} needs keywords (a list of words or phrases)")
            elif keywords is not None and not [word for word in keywords if word.strip()]:
                self.problem((*where, "keywords"), f"topic {name!r} has no keywords")
            subscribers = self.addresses((*where, "subscribers"), value.get("subscribers", []), "subscribers")
            if keywords is not None and subscribers is not None:
                topics[name] = TopicConfig(tuple(w.strip() for w in keywords if w.strip()), tuple(subscribers))
        return topics

    def strings(self, where: tuple[str, ...], value: Any, key: str) -> list[str] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(where, f"{key} must be an array of strings, not {_kind(value)}")
            return None
        return value

    def addresses(self, where: tuple[str, ...], value: Any, key: str) -> list[str] | None:
        found = self.strings(where, value, key)
        if found is None:
            return None
        bad = [item for item in found if not is_address(item)]
        if bad:
            self.problem(where, f"{key}: not an e-mail address: {', '.join(repr(item) for item in bad)}")
            return None
        return found


def is_address(text: str) -> bool:
    """Whether `text` is exactly one e-mail address (`a@example.org` or `Name <a@example.org>`), with nothing that
    could add a header.

    Read as a mail reader reads a To header: "a@example.org, b@example.org" is two addresses (the
    envelope took the first alone, the header showed both), and an address with text around it,
    a group, or a line or paragraph separator is not one either.
    """
    if _CONTROL.search(text) or _BREAKS.search(text):
        return False
    header = email.policy.SMTP.header_factory("to", text)
    defects = [d for d in header.defects if not isinstance(d, email.errors.NonASCIILocalPartDefect)]
    if defects or len(header.groups) != 1 or header.groups[0].display_name is not None:
        return False
    (found,) = header.addresses
    if found.addr_spec != parseaddr(text)[1]:  # the envelope's address (smtp.send) must be the header's
        return False
    local, domain = found.username, found.domain
    return bool(local and domain and " " not in found.addr_spec and "." in domain.strip("."))


def _positive(value: Any) -> str | None:
    return None if value > 0 else "must be more than 0"


def _port(value: Any) -> str | None:
    return None if 1 <= value <= 65535 else "must be a port number, 1 to 65535"


def _security(value: Any) -> str | None:
    return None if value in SECURITIES else f"must be one of: {', '.join(SECURITIES)}"


def _one_line(value: Any) -> str | None:
    return "must be one line" if _CONTROL.search(value) else None


def _host(value: Any) -> str | None:
    """A host name or address the resolver takes (each label 1 to 63 characters, as IDNA encodes them)."""
    if not value or _CONTROL.search(value) or " " in value:
        return "must be a host name or an IP address"
    try:
        value.encode("idna")
    except UnicodeError:
        return "is not a host name (a label is empty or longer than 63 characters)"
    return None


def _env_name(value: Any) -> str | None:
    return None if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value) else "must be an environment variable's name"


def _address(value: Any) -> str | None:
    return None if is_address(value) else "must be an e-mail address"


#: The [mail] keys: what type each takes, and the check of its value (None: any of that type).
_MAIL_KEYS: dict[str, tuple[type | tuple[type, ...], Callable[[Any], str | None] | None]] = {
    "host": (str, _host),
    "port": (int, _port),
    "security": (str, _security),
    "username": (str, _one_line),
    "password_env": (str, _env_name),
    "password_file": (str, None),
    "cafile": (str, None),
    "from": (str, _address),
    "to": (list, None),
    "subject_prefix": (str, _one_line),
    "timeout": ((int, float), _positive),
}


_MAYBE_SECRET = "it may be the password itself"


class _MailChecks:
    def __init__(self, reader: _Reader, table: dict[str, Any]) -> None:
        self.reader, self.table = reader, table

    def value(self, key: str) -> Any:
        if key not in self.table:
            return None
        value = self.table[key]
        kind, check = _MAIL_KEYS[key]
        if key == "to":
            found = self.reader.addresses(("mail", key), value, key)
            if found is not None and not found:
                self.reader.problem(("mail", key), "to: give at least one address")
            return found or []
        if not isinstance(value, kind) or isinstance(value, bool):
            self.reader.problem(("mail", key), f"{key} must be {_describe(kind)}, not {_kind(value)}")
            return None
        reason = check(value) if check else None
        if reason and key == "password_env":  # what is there may be the password itself: never shown
            self.reader.problem(
                ("mail", key), f"bad value for {key}: {reason} (its value is not shown: {_MAYBE_SECRET})"
            )
            return None
        if reason:
            self.reader.problem(("mail", key), f"bad value for {key} ({value!r}): {reason}")
            return None
        if key in ("password_file", "cafile"):
            return self.reader.path.parent / str(value)  # relative to the config file (an absolute one stays)
        return value


def _expected(param: click.Parameter) -> type | tuple[type, ...]:
    """The TOML type a `[run]` key takes: that of the flag's values."""
    if getattr(param, "is_flag", False):
        return bool
    kind = param.type
    if isinstance(kind, click.types.IntParamType):
        return int
    if isinstance(kind, click.types.FloatParamType):
        return (int, float)
    if isinstance(kind, click.types.BoolParamType):
        return bool
    return str


def _is_a(value: Any, expected: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return expected is bool
    return isinstance(value, expected)


def _describe(kind: type | tuple[type, ...]) -> str:
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string", list: "an array"}
    if isinstance(kind, tuple):
        return "a number"
    return names.get(kind, kind.__name__)
