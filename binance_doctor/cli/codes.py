"""`codes`: list the catalog, per product."""

from __future__ import annotations

from typing import Optional

import typer

from binance_doctor.cli.root import JsonOption, ProductOption, _product, app


@app.command(epilog="Examples:\n\n  binance-doctor codes --product spot\n\n"
                    "  binance-doctor codes --search timestamp\n\n"
                    "  binance-doctor codes --kind http\n")
def codes(
    product: Optional[str] = ProductOption,
    search: Optional[str] = typer.Option(
        None, "--search", "-s", help="Keep entries whose name, message or meaning has WORD."),
    kind: str = typer.Option("code", "--kind", help="code, message, filter, http or all."),
    as_json: bool = JsonOption,
) -> None:
    """List the catalog: every documented error, per product."""
    from binance_doctor.errors import catalog
    from binance_doctor.errors import view as report
    from binance_doctor.output import render

    cat = catalog.load()
    try:
        kinds = list(catalog.Kind) if kind == "all" else [catalog.Kind(kind)]
    except ValueError:
        raise typer.BadParameter("choose code, message, filter, http or all",
                                 param_hint="--kind") from None
    chosen = _product(product)
    entries = [e for k in kinds for e in cat.of_kind(k, chosen)]
    if search:
        word = search.casefold()
        entries = [e for e in entries if word in " ".join(
            [str(e.code), e.name or "", e.filter or "", e.explanation.meaning, *e.messages]
        ).casefold()]
    if as_json:
        render.write_json("codes", {"count": len(entries),
                                    "entries": [report.entry_json(e) for e in entries]})
    else:
        render.write(report.codes_blocks(entries))
