"""The project's promises about itself: the README's two commands, CI running
exactly the README's test command, one console script whose subcommands all
teach with --help."""

import re
import subprocess
import sys

from builders.cli import make_parser


def readme_commands(paths):
    text = (paths.root / "README.md").read_text(encoding="utf-8")
    body = text.split("---\n", 2)[2]
    return re.findall(r"```bash\n(.+?)\n```", body)[:2], body


def test_readme_opens_with_the_build_and_test_commands(paths):
    (build, test), body = readme_commands(paths)
    assert body.index(build) < body.index("## ")
    assert "pip install -e" in build and build.endswith("plancorpus build")
    assert "pip install -e" in test and "pytest" in test


def test_ci_runs_the_readme_test_command(paths):
    (_, test), _ = readme_commands(paths)
    assert test in (paths.root / ".ci" / "run").read_text(encoding="utf-8")


def test_every_subcommand_has_help_that_explains_it():
    parser = make_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    assert {"build", "validate", "audit", "evaluate", "add-plan", "import-annotations", "export", "baselines"} <= set(subcommands)
    for name, sub in subcommands.items():
        assert sub.description and len(sub.description) > 60, name


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "builders.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "plancorpus" in result.stdout
