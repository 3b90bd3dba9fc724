"""Building HTML safely: every string is escaped unless it is already `Markup`.

Reports show model output and user files (items, prompts, personas), so escaping cannot be
a thing each renderer remembers. `el("td", text)` escapes `text`; only what this package
builds (`el`, the SVG charts) is `Markup` and passes through. Attribute values are escaped
too. There is no way to put a string into a page unescaped but wrapping it in `Markup`
yourself, which no renderer does with data.

    el("p", "3 < 4 ", el("b", "bold"), class_="note")
    # Markup('<p class="note">3 &lt; 4 <b>bold</b></p>')

The page itself (`page`) carries a Content-Security-Policy that allows no script at all
and only the page's own stylesheet (by its hash), so even a string that slipped through
could not run: reports need no JavaScript (charts are inline SVG, drill-down is links).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

from markupsafe import Markup, escape

_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "col"})


def el(tag: str, *children: object, **attrs: object) -> Markup:
    """`<tag attrs>children</tag>` with text and attribute values escaped.

    Attribute names: a trailing `_` is dropped (`class_`), other `_` become `-`
    (`aria_label`); `True` writes a bare attribute, `None`/`False` leaves it out. Children
    may be strings, numbers, `Markup`, `None` (skipped) or iterables of those.
    """
    parts = [f"<{tag}"]
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")
        parts.append(f" {name}" if value is True else f' {name}="{escape(str(value))}"')
    parts.append(">")
    if tag in _VOID:
        return Markup("".join(parts))
    parts.append(str(join(children)))
    parts.append(f"</{tag}>")
    return Markup("".join(parts))


def join(children: Iterable[object]) -> Markup:
    """Children concatenated, each escaped unless it is Markup (None skipped)."""
    out: list[str] = []
    for child in children:
        if child is None:
            continue
        if isinstance(child, Markup):
            out.append(str(child))
        elif isinstance(child, str | int | float):
            out.append(str(escape(fmt(child) if isinstance(child, float) else child)))
        elif isinstance(child, Iterable):
            out.append(str(join(child)))
        else:
            out.append(str(escape(str(child))))
    return Markup("".join(out))


def fmt(value: object, digits: int = 2) -> str:
    """A number as reports print it: floats to `digits` places, None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        return f"{value:.{digits}f}"
    return str(value)


def table(
    headers: Iterable[object],
    rows: Iterable[Iterable[object]],
    caption: str | None = None,
    numeric_from: int = 1,
) -> Markup:
    """A table; cells from column `numeric_from` on are right-aligned (numbers)."""
    head = el("tr", [el("th", h) for h in headers])
    body = [
        el(
            "tr",
            [
                el(
                    "td",
                    fmt(c) if not isinstance(c, Markup) else c,
                    class_="num" if i >= numeric_from else None,
                )
                for i, c in enumerate(row)
            ],
        )
        for row in rows
    ]
    return el(
        "table",
        el("caption", caption) if caption else None,
        el("thead", head),
        el("tbody", body),
    )


def select(name: str, choices: Iterable[tuple[str, str]], current: str) -> Markup:
    """A `<select>` of (label, value) choices with `current` selected (filter forms)."""
    options = [el("option", label, value=value, selected=value == current)
               for label, value in choices]  # fmt: skip
    return el("select", options, name=name)


def figure(content: object, caption: object) -> Markup:
    """A chart (or any content) above its caption."""
    return el("figure", content, el("figcaption", caption))


def charts(*children: object) -> Markup:
    """Figures and tables side by side: the page's row of charts."""
    return el("div", *children, class_="charts")


def key_values(pairs: Mapping[str, object]) -> Markup:
    """A two-column table of labels and values (a run's settings, a summary)."""
    return el(
        "table",
        el("tbody", [el("tr", el("th", k), el("td", fmt(v))) for k, v in pairs.items()]),
        class_="kv",
    )


def ci_text(value: object, ci: object) -> str:
    """`0.61 [0.59, 0.63]`, or the value alone when there is no interval."""
    if isinstance(ci, list | tuple) and len(ci) == 2 and None not in ci:
        return f"{fmt(value)} [{fmt(ci[0])}, {fmt(ci[1])}]"
    return fmt(value)


@cache
def stylesheet() -> str:
    """The report's CSS (shipped in the package: nothing is fetched at view time)."""
    return resources.files("valuescope.report").joinpath("report.css").read_text("utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def content_security_policy() -> str:
    """No script of any kind, no request anywhere; the stylesheet only by its hash."""
    return (
        "default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; "
        f"style-src '{_sha256(stylesheet())}'; img-src 'self' data:; form-action 'self'"
    )


def page(title: str, body: Markup, nav: Markup | None = None, refresh: int | None = None) -> str:
    """A whole HTML document: the CSP, the stylesheet inline, `nav` and `body`.

    `refresh` reloads the page every that many seconds (a run still in flight).
    """
    head = [
        el("meta", charset="utf-8"),
        el("meta", http_equiv="Content-Security-Policy", content=content_security_policy()),
        el("meta", name="viewport", content="width=device-width, initial-scale=1"),
        el("meta", name="referrer", content="no-referrer"),
        el("meta", http_equiv="refresh", content=str(refresh)) if refresh else None,
        el("title", title),
        el("style", Markup(stylesheet())),
    ]
    document = el("html", el("head", head), el("body", nav, el("main", body)), lang="en")
    return "<!DOCTYPE html>\n" + str(document) + "\n"
