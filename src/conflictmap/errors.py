"""Exceptions. Each subclasses a built-in and quotes the bad value with a fix."""

from __future__ import annotations


class InputError(ValueError):
    """An input file (article, manifest, data file) cannot be used.

    Parameters
    ----------
    path : str
        The file concerned.
    problem : str
        What is wrong and, where possible, how to fix it.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class InputWarning(UserWarning):
    """An input file was used, but part of it had to be read leniently (e.g. almost-YAML front matter).

    Parameters
    ----------
    path : str
        The file concerned.
    problem : str
        What was wrong, what was done instead and how to silence the warning.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class UrlError(OSError):
    """A URL could not be used; the message is one line naming the URL and the problem.

    Parameters
    ----------
    url : str
        The URL concerned.
    problem : str
        What went wrong and, where possible, what to do.
    """

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem
        super().__init__(f"{url}: {problem}")

    def __str__(self) -> str:
        return f"{self.url}: {self.problem}"


class DataFileError(ValueError):
    """A bundled or hand-edited data file failed validation; lists every problem."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        joined = "\n  - ".join(self.problems)
        super().__init__(f"{self.path}: {len(self.problems)} problem(s):\n  - {joined}")


class ModelNotInstalledError(ImportError):
    """The configured spaCy model package is not installed."""
