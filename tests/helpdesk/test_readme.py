"""The shell examples of README.md and docs/ run as written, and print what the page shows.

Every fenced shell block (``sh``, ``bash``, ``console``, or any block of ``$ `` lines) has,
on the line right before its fence, one of two marks:

    <!-- run: ... -->            this test runs it and compares its output
    <!-- not run: <reason> -->   not meant to run here (a server until Ctrl-C, docker,
                                 a benchmark of minutes); the reason is required

A block to run is a terminal session: a line starting with ``$ `` is a command (a line
ending in ``\\`` continues it) and the lines up to the next command are what it prints,
stdout and stderr together. Each command runs in bash from the repository root with a
newcomer's environment: PATH without the virtual environment, HOME and LANG, nothing
else, except a scratch SQLite database (``DATABASE_URL``) and an in-memory broker, so
that the examples never touch the demo's own data under var/. It must exit with 0 and
print what the page shows, where a run of spaces and line breaks stands for any such run
(JSON wrapped to fit the page) and ``…`` for any text within a line (times, counts).
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
SHELL_LANGUAGES = {"sh", "bash", "shell", "console", "zsh", "shell-session"}
FENCE = re.compile(r"^(?P<fence>```+|~~~+)\s*(?P<info>[^`]*)$")
RUN_MARK = re.compile(r"^<!-- run(:.*)? -->$")
NOT_RUN_MARK = re.compile(r"^<!-- not run: \S.* -->$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    info: str
    mark: str  # the line before the fence
    lines: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def is_shell(self) -> bool:
        language = self.info.split()[0] if self.info else ""
        return language in SHELL_LANGUAGES or any(line.startswith("$ ") for line in self.lines)


@dataclass(frozen=True)
class Example:
    where: str
    command: str
    expected: str


def fenced_blocks(page: Path) -> list[Block]:
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    opening: re.Match[str] | None = None
    start = 0
    for number, line in enumerate(lines):
        if opening is None:
            opening = FENCE.match(line)
            start = number
        elif line.strip() == opening["fence"]:
            mark = lines[start - 1].strip() if start else ""
            body = tuple(lines[start + 1 : number])
            blocks.append(Block(page, start + 1, opening["info"].strip(), mark, body))
            opening = None
    return blocks


def shell_blocks() -> list[Block]:
    return [block for page in PAGES for block in fenced_blocks(page) if block.is_shell]


def examples(block: Block) -> list[Example]:
    """The commands of a session and what each prints."""
    found: list[Example] = []
    lines = list(block.lines)
    index = 0
    while index < len(lines):
        line = lines[index]
        where = f"{block.page.relative_to(ROOT)}:{block.line + 1 + index}"
        assert line.startswith("$ "), f"{where}: output before any command: {line!r}"
        command = [line.removeprefix("$ ")]
        while command[-1].endswith("\\"):
            index += 1
            command.append(lines[index])
        index += 1
        output: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            output.append(lines[index])
            index += 1
        found.append(Example(where, "\n".join(command), "\n".join(output)))
    return found


def runnable_examples() -> list[Example]:
    return [
        example
        for block in shell_blocks()
        if RUN_MARK.match(block.mark)
        for example in examples(block)
    ]


def output_pattern(expected: str) -> re.Pattern[str]:
    parts = []
    for piece in re.split(r"(\s+|…)", expected.strip()):
        if piece == "…":
            parts.append(r".*?")
        elif piece.isspace():
            parts.append(r"\s+")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts))


def newcomer_environment(database: Path) -> dict[str, str]:
    """What a reader's shell has before they activate anything: in particular not the
    virtual environment that runs this test (``make pytest`` puts it first on PATH)."""
    venvs = {Path(sys.prefix) / "bin", ROOT / ".venv" / "bin"}
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
    path = [entry for entry in path if Path(entry).resolve() not in venvs]
    env = {key: os.environ[key] for key in ("HOME", "LANG") if key in os.environ}
    return {
        **env,
        "PATH": os.pathsep.join(path),
        "DATABASE_URL": f"sqlite:///{database}",
        "CELERY_BROKER_URL": "memory://",
    }


@pytest.fixture(scope="session")
def newcomer(tmp_path_factory) -> dict[str, str]:
    """The environment of every example, in a checkout where the two commands have run:
    ``make install`` first (nothing to do after ``make test``'s installs; after an edit of
    pyproject.toml its output is not the example's). One scratch SQLite file serves every
    example; the first ``make manage`` migrates it."""
    env = newcomer_environment(tmp_path_factory.mktemp("readme") / "helpdesk.sqlite3")
    install = subprocess.run(
        ["make", "install"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return env


def test_every_shell_block_is_marked_to_run_or_not():
    blocks = shell_blocks()
    unmarked = [
        block.where
        for block in blocks
        if not (RUN_MARK.match(block.mark) or NOT_RUN_MARK.match(block.mark))
    ]
    assert not unmarked, (
        "put '<!-- run: ... -->' or '<!-- not run: <reason> -->' on the line before "
        f"the fence of: {', '.join(unmarked)}"
    )
    assert runnable_examples(), "the README shows no example that this test runs"


def test_no_example_calls_python_outside_the_virtual_environment():
    """A bare ``python`` has no Django (and is often not installed at all): examples say
    ``.venv/bin/python`` or go through make."""
    bare = re.compile(r"(^|\$ |`)python3? ", re.MULTILINE)
    found = [
        f"{page.relative_to(ROOT)}:{number}"
        for page in PAGES
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if bare.search(line)
    ]
    assert not found, f"bare python in {', '.join(found)}"


def test_output_pattern_allows_rewrapping_and_placeholders_only():
    pattern = output_pattern('{"a": "x",\n "b": "took … ms"}')
    assert pattern.fullmatch('{"a": "x", "b": "took 12.5 ms"}')
    assert not pattern.fullmatch('{"a": "y", "b": "took 12.5 ms"}')
    assert not pattern.fullmatch('{"a": "x", "b": "took 1\n2 ms"}')


@pytest.mark.parametrize("example", runnable_examples(), ids=lambda example: example.where)
def test_readme_example_runs_as_written(example, newcomer):
    result = subprocess.run(
        ["bash", "-c", example.command],
        cwd=ROOT,
        env=newcomer,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{example.command}\n{result.stdout}"
    assert output_pattern(example.expected).fullmatch(result.stdout.strip()), (
        f"{example.where}: {example.command}\nthe page shows:\n{example.expected}\n"
        f"it prints:\n{result.stdout}"
    )
