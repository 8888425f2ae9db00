"""Command line: ``segkit demo-data``, ``profile``, ``segment`` and ``report`` (the whole method;
``segkit report --demo`` on the bundled demo company)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from segkit.errors import InputError, SegkitError

app = typer.Typer(
    help="segkit — customer segmentation toolkit (客户分层).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(exc: Exception) -> None:
    """One line on stderr, exit status 2; a full disk is said plainly (no traceback)."""
    from segkit.atomic import DiskFullError, is_disk_full
    from segkit.privacy import mask_text

    if is_disk_full(exc) and not isinstance(exc, DiskFullError):
        where = getattr(exc, "filename", None)
        exc = DiskFullError(Path(where) if where else None)
    elif not isinstance(exc, (SegkitError, OSError, ValueError)):
        raise exc  # a bug, not bad input: keep its traceback
    typer.echo(f"error: {mask_text(str(exc))}", err=True)  # phones in file names, values
    raise typer.Exit(code=2)


def _new_folder(out: Path, what: str) -> None:
    """Refuse an output folder that is a file, a link or a non-empty folder."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        _fail(FileExistsError(f"--out {out} exists and is not a folder; give a new folder"))
    if out.is_dir() and any(out.iterdir()):
        _fail(FileExistsError(f"{out} is not empty; segkit never overwrites {what}"))


def _k_range(text: str) -> tuple[int, int]:
    """``"2-10"`` → ``(2, 10)``; at least 2 clusters, low end first."""
    try:
        lo, hi = (int(x) for x in text.split("-"))
    except ValueError:
        _fail(ValueError(f"--k-range must look like 2-10, not {text!r}"))
        raise  # pragma: no cover - _fail exits
    if lo < 2 or hi < lo:
        _fail(ValueError(f"--k-range {text}: need 2 <= low <= high (e.g. 2-10)"))
    return lo, hi


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option(help="folder to write into (must not exist or be empty)")],
    customers: Annotated[int, typer.Option(help="number of customers")] = 10_000,
    seed: Annotated[int, typer.Option(help="random seed")] = 42,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
    messy: Annotated[bool, typer.Option(help="GB18030, ¥ amounts, 年月日 dates, dups")] = False,
) -> None:
    """Write the synthetic demo company (master, transactions, survey, ground truth)."""
    from segkit import datasets

    if fmt not in ("csv", "parquet"):
        _fail(ValueError(f"--format must be csv or parquet, not {fmt!r}"))
    _new_folder(out, "data")
    try:
        data = datasets.make_demo(customers, seed=seed)
        written = datasets.write_demo(data, out, fmt=fmt, messy=messy)  # type: ignore[arg-type]
    except Exception as exc:  # _fail re-raises what is neither bad input nor a full disk
        _fail(exc)
        return
    for name, path in written.items():
        typer.echo(f"{name}: {path}")


@app.command("profile")
def profile(
    path: Annotated[str, typer.Argument(help="transactions: CSV/TXT, .xlsx, .parquet or a glob")],
    customer_col: Annotated[str, typer.Option(help="customer id column")],
    date_col: Annotated[str, typer.Option(help="order date column")],
    out: Annotated[Path, typer.Option(help="profile file: .csv or .parquet")],
    amount_col: Annotated[str | None, typer.Option(help="amount column")] = None,
    order_col: Annotated[str | None, typer.Option(help="order id column")] = None,
    quantity_col: Annotated[str | None, typer.Option(help="quantity column")] = None,
    price_col: Annotated[str | None, typer.Option(help="unit price (amount = qty × price)")] = None,
    channel_col: Annotated[str | None, typer.Option(help="channel column")] = None,
    category_col: Annotated[str | None, typer.Option(help="category column")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="analysis date YYYY-MM-DD (default: day after last order)")
    ] = None,
    delimiter: Annotated[str | None, typer.Option(help="',' ';' '\\t' or 'whitespace'")] = None,
    encoding: Annotated[str, typer.Option(help="auto, utf-8, gb18030, utf-16")] = "auto",
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name")] = None,
    date_order: Annotated[str, typer.Option(help="YMD, DMY or MDY")] = "YMD",
    dedupe: Annotated[str, typer.Option(help="auto, exact or none")] = "auto",
    returns: Annotated[str, typer.Option(help="net or drop negative lines")] = "net",
    cancel_prefix: Annotated[
        str | None, typer.Option(help="order ids starting with this are cancellations")
    ] = None,
    features: Annotated[str, typer.Option(help="core or full")] = "full",
    memory_limit: Annotated[str | None, typer.Option(help="DuckDB memory limit, e.g. 4GB")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress lines")] = False,
) -> None:
    """Build the customer profile (客户档案) from a transaction file; quarantine beside it."""
    from pydantic import ValidationError

    from segkit.config import CleanPolicy, ColumnMap, ReadOptions
    from segkit.engine import check_memory_limit
    from segkit.hints import column_match_note
    from segkit.privacy import install_log_masking
    from segkit.progress import Stages
    from segkit.workflow.profiling import PROFILE_STAGES, profile_source, write_profile_outputs

    install_log_masking()
    try:  # every option is checked before the input is read
        columns = ColumnMap(
            customer_id=customer_col, date=date_col, amount=amount_col, order_id=order_col,
            quantity=quantity_col, unit_price=price_col, channel=channel_col,
            category=category_col,
        )  # fmt: skip
        read = ReadOptions(
            encoding=encoding, delimiter=delimiter.replace("\\t", "\t") if delimiter else None,
            sheet=sheet, date_order=date_order,
        )  # fmt: skip
        policy = CleanPolicy(dedupe=dedupe, returns=returns, cancellation_prefix=cancel_prefix)
        as_of_d = dt.date.fromisoformat(as_of) if as_of else None
        if out.suffix.lower() not in (".csv", ".parquet"):
            raise ValueError(
                f"--out {out}: unsupported output type {out.suffix!r}; use .csv or .parquet"
            )
        if memory_limit is not None:
            check_memory_limit(memory_limit)
    except (ValidationError, ValueError) as exc:
        _fail(exc)
        return
    try:
        with Stages("segkit profile", [*PROFILE_STAGES, "write"], enabled=not quiet) as stages:
            run = profile_source(
                path,
                columns,
                read=read,
                policy=policy,
                as_of=as_of_d,
                features=features,
                memory_limit=memory_limit,
                on_stage=stages.start,
            )
            stages.start("write")
            written = write_profile_outputs(run, out)
    except Exception as exc:  # _fail re-raises what is neither bad input nor a full disk
        _fail(exc)
        return
    if note := column_match_note(columns.roles(), run.collected.sources):
        typer.echo(note, err=True)
    typer.echo(run.cleaned.summary_text())
    typer.echo(f"customers: {len(run.profile):,}")
    for name, p in written.items():
        typer.echo(f"{name}: {p}")


def _names(text: str | None) -> list[str] | None:
    """``"a, b"`` → ``["a", "b"]`` (None stays None)."""
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


@app.command("segment")
def segment(
    profile: Annotated[
        Path,
        typer.Argument(
            metavar="TABLE",
            help="customer table, one row per customer: a `segkit profile` output or any "
            "CSV/TXT/Excel/Parquet (e.g. annual spend per product line); a survey with "
            "--method needs",
        ),
    ],
    out: Annotated[Path, typer.Option(help="output folder (new or empty)")],
    id_col: Annotated[str, typer.Option(help="customer id column")] = "customer_id",
    features: Annotated[
        str | None,
        typer.Option(
            help="features a,b,c (default: every numeric column but the id; "
            "a segkit profile: step 3 screens them)"
        ),
    ] = None,
    categorical: Annotated[
        str | None,
        typer.Option(help="categorical columns x,y (method kprototypes or gower)"),
    ] = None,
    value_col: Annotated[
        str | None,
        typer.Option(
            help="value column for value shares (default: monetary if present, else none)"
        ),
    ] = None,
    log: Annotated[
        str,
        typer.Option(
            help="log1p before standardising: auto (skewness > 1, min >= 0, max > 1), none or all"
        ),
    ] = "auto",
    encoding: Annotated[str, typer.Option(help="auto, utf-8, gb18030, big5, utf-16")] = "auto",
    delimiter: Annotated[str | None, typer.Option(help="',' ';' '\\t' (default: sniff)")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name")] = None,
    method: Annotated[
        str,
        typer.Option(
            help="rfm, value, lifecycle, kmeans, minibatch, ward, gmm, kprototypes, gower or "
            "needs (a survey)"
        ),
    ] = "kmeans",
    k: Annotated[
        int | None, typer.Option(help="number of clusters (default: chosen by vote)")
    ] = None,
    k_range: Annotated[str, typer.Option(help="k range for the vote, e.g. 2-10")] = "2-10",
    n_boot: Annotated[int, typer.Option(help="bootstrap resamples for stability")] = 50,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress lines")] = False,
    items: Annotated[
        str | None, typer.Option(help="needs: survey item columns, e.g. q2,q3,q4")
    ] = None,
    wording: Annotated[
        Path | None, typer.Option(help="needs: item wording file (CSV item,wording[,need]/YAML)")
    ] = None,
    correlation: Annotated[str, typer.Option(help="needs: pairwise or listwise")] = "pairwise",
    factors: Annotated[
        int | None, typer.Option(help="needs: factors to extract (default: parallel analysis)")
    ] = None,
) -> None:
    """Segment customers in a run folder: steps 3, 5, 6, 7 (k selection, assignments,
    stability, profiles, names, strategy) as its artefacts; the table's choices (id,
    features, value, log rule per column) in artefacts/02_table.json and 05_model.json.
    ``--method needs``: needs segments of a survey (factor analysis of --items, clustering
    of the factor scores)."""
    if method == "needs":
        _segment_needs(
            profile, out, id_col=id_col, items=items, wording=wording, correlation=correlation,
            factors=factors, k=k, k_range=k_range, seed=seed, quiet=quiet,
        )  # fmt: skip
        return
    from pydantic import ValidationError

    from segkit.config import ReadOptions
    from segkit.hints import read_profile_table
    from segkit.privacy import install_log_masking
    from segkit.progress import Stages
    from segkit.workflow.model import check_method
    from segkit.workflow.segmenting import METHODS, SEGMENT_STAGES, segment_profile, write_summary
    from segkit.workflow.tables import preprocess_for

    install_log_masking()
    if method not in METHODS:
        _fail(InputError(f"unknown method {method!r}", code="UNKNOWN_METHOD"))
    try:
        preprocess_for(log)
        read = ReadOptions(
            encoding=encoding, delimiter=delimiter.replace("\\t", "\t") if delimiter else None,
            sheet=sheet,
        )  # fmt: skip
    except (ValidationError, ValueError) as exc:
        _fail(exc)
        return
    if k is not None and k < 2:
        _fail(ValueError(f"--k {k}: a segmentation needs at least 2 clusters"))
    cat = [c.strip() for c in (categorical or "").split(",") if c.strip()]
    try:
        check_method(method, cat)
    except InputError as exc:
        _fail(exc)
    lo, hi = _k_range(k_range)
    _new_folder(out, "outputs")
    try:
        with Stages("segkit segment", SEGMENT_STAGES, enabled=not quiet) as stages:
            stages.start("read")
            frame = read_profile_table(profile, id_col=id_col, read=read)
            done = segment_profile(
                frame, out, source=str(profile), method=method, k=k, k_range=(lo, hi),
                n_boot=n_boot, seed=seed, features=_names(features), id_col=id_col,
                categorical=cat, value_col=value_col, log=log,
                progress=not quiet, on_stage=stages.start,
            )  # fmt: skip
            stages.start("write")
            write_summary(done)
    except Exception as exc:  # _fail re-raises what is neither bad input nor a full disk
        _fail(exc)
        return
    typer.echo(done.summary_text())
    files = sum(1 for p in out.rglob("*") if p.is_file())
    typer.echo(f"wrote {files} files to {out} (a run folder: params.yaml, artefacts/, summary.txt)")


def _segment_needs(
    survey: Path, out: Path, *, id_col: str, items: str | None, wording: Path | None,
    correlation: str, factors: int | None, k: int | None, k_range: str, seed: int, quiet: bool,
) -> None:  # fmt: skip
    """``segkit segment SURVEY --method needs``: :mod:`segkit.workflow.needs` into ``out``."""
    from segkit.privacy import install_log_masking
    from segkit.workflow.needs import read_survey, segment_needs_survey, write_needs
    from segkit.workflow.needs_labels import read_wording

    install_log_masking()
    if correlation not in ("pairwise", "listwise"):
        _fail(ValueError(f"--correlation must be pairwise or listwise, not {correlation!r}"))
    if k is not None and k < 2:
        _fail(ValueError(f"--k {k}: a segmentation needs at least 2 clusters"))
    lo, hi = _k_range(k_range)
    _new_folder(out, "outputs")
    chosen = [c.strip() for c in items.split(",") if c.strip()] if items else None
    try:
        labels, needs = read_wording(wording) if wording is not None else ({}, {})
        frame = read_survey(survey, id_col=id_col, items=chosen)
        done = segment_needs_survey(
            frame, id_col=id_col, items=chosen, labels=labels, needs=needs,
            correlation=correlation,  # type: ignore[arg-type]
            n_factors=factors, k=k, k_range=(lo, hi), seed=seed, progress=not quiet,
        )  # fmt: skip
        written = write_needs(done, out)
    except Exception as exc:  # _fail re-raises what is neither bad input nor a full disk
        _fail(exc)
        return
    typer.echo(done.summary_text())
    typer.echo(f"wrote {len(written)} files to {out}")


@app.command("report")
def report(
    config: Annotated[
        Path | None, typer.Option(help="run config (YAML); see examples/*.yaml")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="run on the bundled demo company")] = False,
    customers: Annotated[int, typer.Option(help="demo customers (with --demo)")] = 10_000,
    seed: Annotated[int, typer.Option(help="seed (with --demo)")] = 42,
    smoke: Annotated[bool, typer.Option(help="tiny, fast settings (with --demo)")] = False,
    reports_root: Annotated[
        Path | None, typer.Option(help="where run folders go (default: ./reports)")
    ] = None,
    notebooks: Annotated[
        Path | None, typer.Option(help="folder of the step notebooks (default: segkit's own)")
    ] = None,
    progress: Annotated[bool, typer.Option(help="show progress (a bar on a terminal)")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress lines")] = False,
    audience: Annotated[
        str | None,
        typer.Option(
            help="client (a deliverable, no exercises) or training (with the course material); "
            "default: the config's report.audience (client), training with --demo"
        ),
    ] = None,
) -> None:
    """A full report run: notebooks (papermill) → report.html, segments.xlsx, manifest.json."""
    from pydantic import ValidationError

    from segkit.config import RunConfig
    from segkit.workflow.report import StepFailed, report_summary, run_report

    if (config is None) == (not demo):
        _fail(ValueError("give either --config PATH or --demo"))
    source = str(config) if config is not None else "--demo"
    try:
        if config is not None:
            if not config.is_file():
                raise FileNotFoundError(f"no such config file: {config}")
            cfg = RunConfig.from_yaml(config)
        else:
            cfg = RunConfig.model_validate(
                {"client": "demo", "seed": seed, "smoke": smoke,
                 "demo": {"customers": customers, "seed": seed},
                 "report": {"audience": "training"}}
            )  # fmt: skip
        if audience is not None:
            cfg = cfg.with_audience(audience)
    except (ValidationError, ValueError, OSError) as exc:
        from segkit.hints import config_error

        typer.echo(f"error: {config_error(source, exc)}", err=True)
        raise typer.Exit(code=2) from None
    try:
        result = run_report(
            cfg, notebooks_dir=notebooks, reports_root=reports_root, progress=progress and not quiet
        )
    except StepFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        typer.echo(f"run folder (kept): {exc.run_dir}", err=True)
        raise typer.Exit(code=1) from None
    except Exception as exc:  # _fail re-raises what is neither bad input nor a full disk
        _fail(exc)
        return
    typer.echo(report_summary(result))


if __name__ == "__main__":  # pragma: no cover
    app()
