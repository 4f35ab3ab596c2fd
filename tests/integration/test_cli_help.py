"""`pos-app --help` and every command's: what a person reads before running one, and what a script relies on.

The tests walk the whole argparse tree, so a command added later (in any area module of
`pos_app/cli/`) is held to the same rules without being listed here.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_app import cli
from pos_app.services.reports import catalog

# `sync join` builds a new store from central: no one is there to sign in yet; the enrolment token the owner made
# (`central add-counter`, signed in) is the proof.
NO_SIGN_IN = {"init", "doctor", "login", "logout", "whoami", "sync join", "reports list"}
"""The commands that need no one signed in (a new store has no one yet; the session commands are the sign-in;
`reports list` reads only the catalog of report names, never the store)."""


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], argparse.ArgumentParser, argparse._SubParsersAction | None]]:
    """Every parser of the tree with its command path, and its actions (None for a command that runs)."""
    actions = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    yield path, parser, actions
    if actions is not None:
        for name, sub in actions.choices.items():
            yield from _walk(sub, (*path, name))


TREE = list(_walk(cli.build_parser()))
COMMANDS = [(path, parser) for path, parser, actions in TREE if actions is None]


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def test_the_tree_holds_every_command_a_person_knows() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    # 78 commands, `reports list` and one command per report
    assert len(names) == 78 + 1 + len(catalog.names())
    assert {"init", "doctor", "items import", "items transfer", "items receive-transfer", "central report sales",
            "central report low-stock", "central report aging", "central report duplicate-certificates", "reports list", "reports sales", "reports margin",
            "reports receipts", "sales large-cash", "receipt", "appraisals print",
            "privacy erase", "payments refunds", "audit verify", "backup", "restore", "rekey", "staff reset-mfa",
            "login", "jobs revoke", "central init", "central upgrade", "central add-counter", "sync join", "sync status", "sync now",
            "sync conflicts", "sync resolve", "sync leave", "settings reports", "settings commission",
            "settings aging"} <= names


@pytest.mark.parametrize("path", [path for path, _, _ in TREE], ids=lambda path: " ".join(path) or "pos-app")
def test_every_command_and_group_says_what_it_does_in_its_help_and_its_groups_list(path: tuple[str, ...]) -> None:
    parser = dict((p, parser) for p, parser, _ in TREE)[path]
    assert parser.description and parser.description.strip(), parser.prog
    if path:
        parent = dict((p, actions) for p, _, actions in TREE)[path[:-1]]
        assert parent is not None
        listed = {choice.dest: choice.help for choice in parent._choices_actions}
        assert listed.get(path[-1]), f"{parser.prog} has no line in {' '.join(path[:-1]) or 'pos-app'} --help"


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_every_command_a_script_runs_takes_json_and_data_dir(path: tuple[str, ...]) -> None:
    parser = dict(COMMANDS)[path]
    assert {"--json", "--data-dir"} <= _options(parser), parser.prog


def test_every_argument_a_person_types_says_what_it_means() -> None:
    missing = [f"{parser.prog} {'/'.join(action.option_strings) or action.metavar or action.dest}"
               for _, parser, _ in TREE for action in parser._actions
               if not isinstance(action, argparse._SubParsersAction) and not action.help]
    assert missing == []


def test_only_setup_and_the_session_commands_run_without_a_sign_in() -> None:
    for path, parser in COMMANDS:
        options = _options(parser)
        name = " ".join(path)
        if name == "login":  # a person signs in; a job token cannot open a session
            assert "--as" in options and "--secret-env" in options and "--job" not in options
        elif name in NO_SIGN_IN:
            assert not options & {"--as", "--secret-env", "--code-env", "--job"}, name
        else:
            assert {"--as", "--secret-env", "--code-env", "--new-secret-env", "--job"} <= options, name


@pytest.mark.parametrize("path", [path for path, _, _ in TREE], ids=lambda path: " ".join(path) or "pos-app")
def test_every_help_exits_0_with_its_own_usage(capsys: pytest.CaptureFixture[str], path: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main([*path, "--help"])
    assert raised.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {' '.join(('pos-app', *path))} ")
    if path in dict(COMMANDS):
        assert "--json" in out and "print the result as JSON" in out


def test_no_command_line_module_passes_600_lines() -> None:
    """One module per area keeps each one readable; an area that grows past this splits by sub-area."""
    folder = Path(cli.__file__).parent
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in folder.glob("*.py")}
    assert len(sizes) > 10
    assert {name: size for name, size in sizes.items() if size > 600} == {}
