"""Reader notebooks: every chapter as a Jupyter notebook that reads like the book.

The chapters are MyST Markdown notebooks whose prose uses roles and directives that only
the book build resolves: computed numbers and tables (``{glue:text}``, ``{glue:md}``),
citations (``{cite:p}``), glossary terms (``{term}``), cross-references (``{numref}``,
``{doc}``, ``{eq}``) and figure captions kept in code-cell metadata. JupyterLab cannot
resolve them (jupyterlab-myst has no bibliography, no glue store and no other pages), so
the book build writes, beside each chapter, a *reader notebook* in which all of them are
resolved with what the build computed:

* numbers and tables as the built site shows them;
* citations as author–year links to the DOI, and a reference list at the end;
* glossary terms as links to the glossary notebook, whose hover text is the definition;
* figure, table, equation and exercise numbers as in the book;
* each figure's caption under its figure.

The code cells are the chapter's own, so running the notebook makes every explorer live.
Nothing here runs a model: :func:`reader_notebook` is a pure function of the chapter's
text and a :class:`BookIndex` that the Sphinx extension builds from the book's
environment.

Examples
--------
>>> index = BookIndex(titles={"pk": "From cream to receptor"}, notebooks=frozenset({"pk"}))
>>> resolve_markdown("See {doc}`pk`.", "other", index, {}, [])
'See [From cream to receptor](pk.ipynb).'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

#: Extension of a reader notebook, written next to its chapter.
SUFFIX = ".ipynb"
#: Cells whose code the book hides; the reader notebook folds them (the reader can unfold).
HIDDEN_TAGS = frozenset({"remove-cell", "remove-input", "hide-input", "hide-cell"})
#: First cell of every reader notebook: says how to get the model package if it is missing.
SETUP_CELL = """\
# This notebook needs the book's model package, imiquimod_model. On Binder it is installed.
# Elsewhere, from a clone of the book's repository: `pip install -e ".[notebook]"`.
try:
    import imiquimod_model  # noqa: F401
except ImportError as err:
    raise ImportError(
        "This chapter needs the book's Python package. From the book's repository run "
        "`pip install -e '.[notebook]'` in this environment, then restart the kernel."
    ) from err"""

ROLE = re.compile(r"\{(?P<role>[a-z]+(?::[a-z]+)?)\}`(?P<content>[^`]+)`")
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[^}]+)\}\s*(?P<argument>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")


@dataclass(frozen=True)
class Reference:
    """One bibliography entry as a reader sees it.

    ``label`` is the in-text author–year form ("Drobits et al., 2012"), ``authors`` and
    ``year`` its parts, ``entry`` the full entry in Markdown, ``url`` where to follow it.
    """

    label: str
    authors: str
    year: str
    entry: str
    url: str | None = None


@dataclass(frozen=True)
class BookIndex:
    """What resolving a chapter needs to know about the whole book.

    Pages are named by their file stem ("killers"). ``numbers`` maps a label to its page
    and its number as printed ("Fig. 3.2", "Table 3.1", "(3.1)", "Exercise 3.2");
    ``terms`` maps a glossary term (lower case) to its definition; ``notebooks`` are the
    pages that have a reader notebook (links to the others name the page only).
    """

    titles: Mapping[str, str] = field(default_factory=dict)
    chapter_numbers: Mapping[str, str] = field(default_factory=dict)
    numbers: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    terms: Mapping[str, str] = field(default_factory=dict)
    references: Mapping[str, Reference] = field(default_factory=dict)
    notebooks: frozenset[str] = frozenset()


# --- values computed by the build
def glue_values(glue_json: Path) -> dict[str, dict[str, str]]:
    """The glued values of one executed chapter (myst-nb's ``<page>.glue.json``), as mime
    bundles by key."""
    if not glue_json.exists():
        return {}
    return {key: output["data"] for key, output in json.loads(glue_json.read_text()).items()}


def _glue(glue: Mapping[str, Mapping[str, str]], key: str) -> Mapping[str, str]:
    if key not in glue:
        raise ValueError(f"glue key {key!r} was not computed by the chapter")
    return glue[key]


def format_glued_text(bundle: Mapping[str, str], fmt: str) -> str:
    """A glued value as ``{glue:text}`` prints it (myst-nb's own formatting)."""
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(bundle["text/plain"], fmt)


def glued_markdown(bundle: Mapping[str, str]) -> str:
    """A glued Markdown object (a table, a phrase) as Markdown text."""
    if "text/markdown" in bundle:
        return bundle["text/markdown"].strip()
    return format_glued_text(bundle, "")


# --- roles
def _link(page: str, here: str, index: BookIndex) -> str:
    """Where a link to ``page`` goes from the reader notebook of ``here``."""
    if page == here:
        return ""
    return f"{page}{SUFFIX}" if page in index.notebooks else ""


def _cite(keys: str, mode: str, index: BookIndex, cited: list[str]) -> str:
    parts = []
    for key in (k.strip() for k in keys.split(",")):
        if key not in index.references:
            raise ValueError(f"citation {key!r} is not in the bibliography")
        if key not in cited:
            cited.append(key)
        ref = index.references[key]
        text = f"{ref.authors} ({ref.year})" if mode == "t" else ref.label
        parts.append(f"[{text}]({ref.url})" if ref.url else text)
    return "; ".join(parts) if mode == "t" else f"({'; '.join(parts)})"


def term_anchor(term: str) -> str:
    """The glossary notebook's target for ``term`` ("mast cell" → "term-mast-cell")."""
    return "term-" + re.sub(r"\W+", "-", " ".join(term.split()).lower()).strip("-")


def _term(content: str, index: BookIndex) -> str:
    match = EXPLICIT.match(content)
    text, term = (match["text"], match["target"]) if match else (content, content)
    text = " ".join(text.split())
    definition = index.terms.get(" ".join(term.split()).lower())
    if definition is None:
        raise ValueError(f"glossary term {term!r} is not in the glossary")
    title = _plain(definition).replace('"', "'")
    return f'[{text}](glossary{SUFFIX}#{term_anchor(term)} "{title}")'


def _number(label: str, here: str, index: BookIndex) -> str:
    if label not in index.numbers:
        raise ValueError(f"reference {label!r} has no number in the book")
    page, number = index.numbers[label]
    target = _link(page, here, index)
    return f"[{number}]({target})" if target else number


def _doc(content: str, here: str, index: BookIndex) -> str:
    match = EXPLICIT.match(content)
    text, page = (match["text"], match["target"]) if match else (None, content)
    page = page.strip().removeprefix("/").removeprefix("book/")
    if page not in index.titles:
        raise ValueError(f"document {page!r} is not in the book")
    title = text or index.titles[page]
    target = _link(page, here, index)
    return f"[{title}]({target})" if target else f"*{title}*"


def resolve_markdown(
    text: str,
    here: str,
    index: BookIndex,
    glue: Mapping[str, Mapping[str, str]],
    cited: list[str],
) -> str:
    """Markdown with every book-only role replaced by what the book prints.

    ``cited`` collects citation keys in order of first use (for the reference list).
    Roles this module does not know are left for jupyterlab-myst.
    """

    def replace(match: re.Match) -> str:
        role, content = match["role"], match["content"]
        if role in ("cite", "cite:p", "cite:t"):
            return _cite(content, role.rpartition(":")[2], index, cited)
        if role == "glue:text":
            key, _, fmt = content.rpartition(":") if ":" in content else (content, "", "")
            return format_glued_text(_glue(glue, key), fmt)
        if role in ("glue", "glue:md", "glue:any"):
            return glued_markdown(_glue(glue, content))
        if role == "term":
            return _term(content, index)
        if role == "numref":
            match_ = EXPLICIT.match(content)
            return _number(match_["target"] if match_ else content, here, index)
        if role == "eq":
            return _number(content, here, index)
        if role == "doc":
            return _doc(content, here, index)
        return match[0]

    # Roles inside glued Markdown (a table's citations) resolve on a second pass.
    once = ROLE.sub(replace, text)
    return ROLE.sub(replace, once)


def _plain(markdown: str) -> str:
    """Markdown reduced to plain text (for hover titles)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = ROLE.sub(lambda m: EXPLICIT.sub(r"\g<text>", m["content"]), text)
    return " ".join(text.replace("*", "").split())


# --- directives
@dataclass
class _Directive:
    fence: str
    name: str
    argument: str
    options: dict[str, str]
    body: str


def _split_directives(text: str):
    """Yield text pieces and :class:`_Directive` blocks (top level only), in order."""
    lines = text.split("\n")
    plain: list[str] = []
    i = 0
    while i < len(lines):
        opened = FENCE_OPEN.match(lines[i])
        if not opened:
            plain.append(lines[i])
            i += 1
            continue
        fence = opened["fence"]
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != fence:
            j += 1
        inner = lines[i + 1 : j]
        options = {}
        while inner and (option := OPTION.match(inner[0])):
            options[option["key"]] = option["value"].strip()
            inner = inner[1:]
        if plain:
            yield "\n".join(plain)
            plain = []
        body = "\n".join(inner).strip("\n")
        yield _Directive(fence, opened["name"], opened["argument"].strip(), options, body)
        i = j + 1
    if plain:
        yield "\n".join(plain)


def _label_number(label: str | None, index: BookIndex) -> str:
    return index.numbers[label][1] if label and label in index.numbers else ""


def resolve_directives(
    text: str,
    here: str,
    index: BookIndex,
    glue: Mapping[str, Mapping[str, str]],
    cited: list[str],
) -> str:
    """Markdown with the book's directives turned into what JupyterLab renders.

    ``{glue:md}`` becomes its Markdown; ``{table}`` a numbered caption over its table;
    ``{math}`` display maths tagged with the book's equation number; ``{exercise}`` and
    ``{solution}`` an admonition and a dropdown under the book's exercise number. Other
    directives (admonitions, dropdowns) are left for jupyterlab-myst.
    """
    out = []
    for piece in _split_directives(text):
        if isinstance(piece, str):
            out.append(piece)
            continue
        body = resolve_directives(piece.body, here, index, glue, cited)
        label = piece.options.get("label") or piece.options.get("name")
        if piece.name in ("glue:md", "glue", "glue:any"):
            out.append(glued_markdown(_glue(glue, piece.argument)))
        elif piece.name in ("container", "div"):  # layout only: keep the content
            out.append(body.strip())
        elif piece.name == "table":
            number = _label_number(label, index)
            caption = f"**{number}.** {piece.argument}" if number else f"**{piece.argument}**"
            out.append(f"{caption}\n\n{body.strip()}")
        elif piece.name == "math":
            number = _label_number(label, index).strip("()")
            tag = f" \\tag{{{number}}}" if number else ""
            out.append(f"$$\n{body.strip()}{tag}\n$$")
        elif piece.name == "exercise":
            number = _label_number(label, index)
            out.append(f"```{{admonition}} {number or 'Exercise'}\n:class: tip\n\n{body}\n```")
        elif piece.name == "solution":
            number = _label_number(piece.argument, index)
            title = f"Solution to {number}" if number else "Solution"
            out.append(f"```{{dropdown}} {title}\n\n{body}\n```")
        else:  # as written, with its content resolved
            head = f"{piece.fence}{{{piece.name}}}" + (
                f" {piece.argument}" if piece.argument else ""
            )
            options = "".join(f":{k}: {v}\n" for k, v in piece.options.items())
            out.append(f"{head}\n{options}{body}\n{piece.fence}")
    return resolve_markdown("\n".join(out), here, index, glue, cited)


# --- whole notebooks
def _markdown_cell(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def _title_with_number(text: str, here: str, index: BookIndex) -> str:
    number = index.chapter_numbers.get(here)
    if not number:
        return text
    return re.sub(r"^# (?!\d)", f"# {number}. ", text, count=1, flags=re.M)


def references_markdown(keys: list[str], index: BookIndex) -> str:
    """The reference list for the cited ``keys``, sorted as a bibliography is."""
    entries = sorted((index.references[k] for k in keys), key=lambda r: r.label.lower())
    return "## References\n\n" + "\n".join(f"- {r.entry}" for r in entries)


def reader_notebook(
    source: str,
    here: str,
    index: BookIndex,
    glue: Mapping[str, Mapping[str, str]],
) -> nbformat.NotebookNode:
    """The reader notebook of one chapter (MyST Markdown notebook text ``source``).

    Raises ``ValueError`` for a reference the book does not have (a glue key the chapter
    did not compute, a citation, term, label or page that does not exist).
    """
    import jupytext

    chapter = jupytext.reads(source, fmt="md:myst")
    cited: list[str] = []
    cells = [nbformat.v4.new_code_cell(SETUP_CELL, metadata={"tags": ["remove-cell"]})]
    cells[0].metadata["jupyter"] = {"source_hidden": True}
    first_markdown = True
    for cell in chapter.cells:
        if cell.cell_type == "markdown":
            text = resolve_directives(cell.source, here, index, glue, cited)
            if first_markdown:
                text = _title_with_number(text, here, index)
                first_markdown = False
            cells.append(_markdown_cell(text))
            continue
        if cell.cell_type != "code":
            continue
        tags = list(cell.metadata.get("tags", []))
        code = nbformat.v4.new_code_cell(cell.source, metadata={"tags": tags} if tags else {})
        if HIDDEN_TAGS & set(tags):
            code.metadata["jupyter"] = {"source_hidden": True}
        cells.append(code)
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        if figure.get("caption"):
            number = _label_number(figure.get("name"), index)
            caption = resolve_directives(figure["caption"], here, index, glue, cited)
            cells.append(_markdown_cell(f"**{number}.** {caption}" if number else caption))
    if cited:
        cells.append(_markdown_cell(references_markdown(cited, index)))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = dict(chapter.metadata.get("kernelspec", {}))
    notebook.metadata["language_info"] = kernel_language_info()
    return notebook


def kernel_language_info() -> dict:
    """The ``language_info`` the Python kernel reports on connecting: written into each
    reader notebook as it is, so JupyterLab, which copies it in when the kernel starts,
    finds nothing changed and opens the notebook clean (not "modified")."""
    try:
        from ipykernel.ipkernel import IPythonKernel
    except ImportError:  # no kernel here: the name, which every kernel reports alike
        return {"name": "python"}
    return dict(IPythonKernel.language_info)


def glossary_entries(source: str) -> dict[str, str]:
    """Terms and definitions of a MyST ``{glossary}`` block, in the order written."""
    for piece in _split_directives(source):
        if isinstance(piece, _Directive) and piece.name == "glossary":
            entries: dict[str, list[str]] = {}
            term = None
            for line in piece.body.split("\n"):
                if line and not line[0].isspace():
                    term = line.strip()
                    entries[term] = []
                elif term and line.strip():
                    entries[term].append(line.strip())
            return {t: " ".join(lines) for t, lines in entries.items()}
    raise ValueError("no {glossary} block in the glossary page")


def glossary_notebook(source: str, index: BookIndex) -> nbformat.NotebookNode:
    """The glossary as a notebook: one anchored entry per term, roles resolved."""
    cited: list[str] = []
    lines = ["# Glossary", ""]
    for term, definition in glossary_entries(source).items():
        text = resolve_markdown(definition, "glossary", index, {}, cited)
        lines += [f"({term_anchor(term)})=", f"### {term}", "", text, ""]
    cells = [_markdown_cell("\n".join(lines))]
    if cited:
        cells.append(_markdown_cell(references_markdown(cited, index)))
    return nbformat.v4.new_notebook(cells=cells)


def bibliography_notebook(index: BookIndex) -> nbformat.NotebookNode:
    """Every work the book cites, as one Markdown list."""
    body = references_markdown(list(index.references), index).replace("## References", "")
    return nbformat.v4.new_notebook(cells=[_markdown_cell("# Bibliography\n" + body)])


# --- the bibliography, author–year
def latex_to_text(text: str) -> str:
    """BibTeX field text as a reader sees it: accents decoded, protective braces gone."""
    import codecs

    import latexcodec  # noqa: F401  (registers the "ulatex" codec)

    decoded = codecs.decode(text, "ulatex")
    return " ".join(decoded.replace("{", "").replace("}", "").split())


def _surname(person) -> str:
    return latex_to_text(" ".join(person.prelast_names + person.last_names))


def _initials(person) -> str:
    names = person.first_names + person.middle_names
    return "".join(latex_to_text(n)[0] for n in names if latex_to_text(n))


def _who(entry) -> tuple[str, list[str]]:
    """In-text authors ("Hemmi et al.") and the listed authors ("Hemmi H", ...)."""
    people = entry.persons.get("author", [])
    named = [p for p in people if str(p) != "others"]
    if not named:  # as the site names it: shorthand, corporate author, else the title
        for key in ("shorthand", "organization", "institution", "howpublished"):
            if key in entry.fields:
                corporate = re.sub(r"\s*\([^)]*\)", "", latex_to_text(entry.fields[key]))
                corporate = corporate.split(",")[0].strip()
                return corporate, [corporate]
        words = latex_to_text(entry.fields.get("title", entry.key)).split()
        return " ".join(words[:5]) + ("…" if len(words) > 5 else ""), []
    listed = [f"{_surname(p)} {_initials(p)}".strip() for p in named]
    if len(named) < len(people) or len(listed) > 6:
        listed = [*listed[:6], "et al."]
    if len(people) == 1:
        short = _surname(named[0])
    elif len(people) == 2 and len(named) == 2:
        short = f"{_surname(named[0])} and {_surname(named[1])}"
    else:
        short = f"{_surname(named[0])} et al."
    return short, listed


def reference_from_entry(entry) -> Reference:
    """One pybtex entry as a :class:`Reference` (author–year; DOI or URL to follow)."""
    fields = entry.fields
    short, listed = _who(entry)
    year = fields.get("year", "n.d.")
    doi = fields.get("doi")
    url = f"https://doi.org/{doi}" if doi else fields.get("url")
    title = latex_to_text(fields.get("title", entry.key)).rstrip(".")
    parts = [f"{', '.join(listed)} ({year}).", f"{title}."] if listed else [f"{title} ({year})."]
    if "journal" in fields:
        volume = fields.get("volume", "")
        issue = f"({fields['number']})" if "number" in fields and volume else ""
        pages = f":{fields['pages'].replace('--', '–')}" if "pages" in fields else ""
        parts.append(f"*{latex_to_text(fields['journal'])}* {volume}{issue}{pages}".strip() + ".")
    elif "howpublished" in fields:
        parts.append(latex_to_text(fields["howpublished"]).rstrip(".") + ".")
    if url:
        parts.append(f"[{('doi:' + doi) if doi else url}]({url})")
    return Reference(f"{short}, {year}", short, year, " ".join(parts), url)


def references_from_bib(path: Path) -> dict[str, Reference]:
    """Every entry of a BibTeX file as a :class:`Reference`, by key."""
    from pybtex.database import parse_file

    return {key: reference_from_entry(e) for key, e in parse_file(str(path)).entries.items()}
