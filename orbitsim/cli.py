"""The ``orbitsim`` command line (typer + rich).

Every command raises :class:`~orbitsim.errors.InputError` for bad input; :func:`main` prints it
as one line on stderr and exits with code 2, never with a traceback. Usage errors caught by
typer/click (``--hours -3``, a missing argument, an unknown option) are printed the same way.
"""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console
from rich.markup import escape

from orbitsim.errors import InputError

try:  # typer >= 0.20 vendors click as typer._click; older typers use click itself
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as click_exceptions

app = typer.Typer(
    name="orbitsim",
    help="Orbital compute infrastructure simulator: constellations, sunlight, ground contacts, "
    "power, heat and AI workloads. Each command has --help and an example in README.md.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

_REGISTERED = False


def _print_version(value: bool) -> None:
    if value:
        from orbitsim import __version__

        typer.echo(f"orbitsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print orbitsim's version and exit."),
) -> None:
    pass


def _register() -> None:
    """Attach the commands (imported lazily so that ``--help`` stays fast)."""
    global _REGISTERED
    if _REGISTERED:
        return
    from orbitsim.commands import catalog, eclipses, validate

    app.command("list")(catalog.list_builtins)
    app.command("validate")(validate.validate)
    app.command("eclipses")(eclipses.eclipses)
    for module_name, command in (("contacts", "contacts"), ("coverage", "coverage"),
                                 ("run", "run"), ("economics", "economics"), ("sweep", "sweep"),
                                 ("bench", "bench"), ("routes", "routes"),
                                 ("export", "export")):
        try:
            module = __import__(f"orbitsim.commands.{module_name}", fromlist=[command])
        except ImportError:
            continue
        app.command(command)(getattr(module, command))
    _REGISTERED = True


def _resume_hint(argv: list[str] | None) -> str:
    """How to resume the interrupted command: a sweep continues, anything else starts over."""
    args = sys.argv[1:] if argv is None else argv
    command = next((a for a in args if not a.startswith("-")), "")
    if command == "sweep":
        return ("run the same command again to continue: the points already written are "
                "kept and only the missing ones are run")
    if command == "run":
        return "run the same command again to rerun it (a run starts over)"
    return "run the same command again"


def usage_error_line(exc) -> str:
    """One line for a click/typer usage error: ``--hours: must be > 0, got -3 (see ...)``."""
    param = getattr(exc, "param", None)
    if (isinstance(exc, click_exceptions.BadParameter)
            and not isinstance(exc, click_exceptions.MissingParameter) and param is not None):
        if getattr(param, "param_type_name", "") == "argument":
            name = str(param.human_readable_name).upper()
        else:
            name = max(param.opts, key=len) if param.opts else str(param.name)
        text = f"{name}: {exc.message}"
    else:
        text = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "orbitsim"
    return " ".join(f"{text} (see '{command} --help')".split())


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``orbitsim`` script and of ``python -m orbitsim``."""
    _register()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        # standalone_mode=False: usage errors come here as exceptions (one line below) instead
        # of typer's boxed usage message; --help still prints and returns 0.
        code = app(args=argv, prog_name="orbitsim", standalone_mode=False)
        # As typer's standalone mode does; Ctrl-C inside a command returns 130 (handled below).
        sys.exit(code if isinstance(code, int) else 0)
    except click_exceptions.NoArgsIsHelpError as exc:  # the help is already printed
        sys.exit(exc.exit_code)
    except click_exceptions.UsageError as exc:
        err.print(f"[bold red]error:[/] {escape(usage_error_line(exc))}", markup=True)
        sys.exit(2)
    except click_exceptions.ClickException as exc:
        err.print(f"[bold red]error:[/] {escape(' '.join(exc.format_message().split()))}",
                  markup=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print(f"interrupted: no output was half-written; {_resume_hint(argv)}.")
        sys.exit(130)
    except InputError as exc:
        # Messages quote user text (paths, TLE titles): never read it as rich markup.
        err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
        sys.exit(2)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        err.print(f"[bold red]error:[/] {escape(f'{exc.filename}: {exc.strerror}')}",
                  markup=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print(f"interrupted: no output was half-written; {_resume_hint(argv)}.")
        sys.exit(130)
    except OSError as exc:  # disk full, read-only folder, ...: the environment, not a bug
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        reason = exc.strerror or str(exc) or type(exc).__name__
        err.print(f"[bold red]error:[/] {escape(' '.join(f'{where}{reason}'.split()))}",
                  markup=True)
        sys.exit(2)
    except SystemExit as exc:
        if exc.code == 130:
            err.print(f"interrupted: no output was half-written; {_resume_hint(argv)}.")
        raise
    except Exception as exc:  # a bug, not bad input: one line unless debugging
        if os.environ.get("ORBITSIM_DEBUG"):
            raise
        err.print(f"[bold red]internal error:[/] {escape(f'{type(exc).__name__}: {exc}')} "
                  "(set ORBITSIM_DEBUG=1 for the traceback)", markup=True)
        sys.exit(1)
