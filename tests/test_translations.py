"""Every text people read is in the de/en/es catalogues, translated, and compiled (issue 3, item 7).

The messages are extracted in-process the way `make i18n` does (babel.cfg, the Makefile's
keywords), so a string added to a template or a view without running `make i18n` and
translating it fails here. A second check reads each template for visible text that is not
marked for translation at all.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

from booking.web.display import LANGUAGE_NAMES

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "booking" / "translations"
TRANSLATED = ("de", "es")
SKIPPED_DIRS = {"node_modules", "instance", "tests", "migrations", "benchmarks", "static", "test-artifacts"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
# Visible text that is the same in every language: the languages, each named in itself.
NOT_TRANSLATED = {name for _, name in LANGUAGE_NAMES}


def extraction_keywords() -> dict:
    """Babel's keywords plus the Makefile's BABEL_KEYWORDS (one list for both)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    extra = re.search(r"^BABEL_KEYWORDS\s*:=\s*(.+)$", makefile, re.M).group(1).split()
    return dict(DEFAULT_KEYWORDS, **{name: None for name in extra})


@cache
def extracted_messages() -> dict[str, tuple[str, ...]]:
    """Every marked string: msgid -> (msgid, [msgid_plural,] "file:line" where it was found)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)

    def wanted(dirname: str) -> bool:
        name = Path(dirname).name
        return not name.startswith((".", "_")) and name not in SKIPPED_DIRS

    found: dict[str, tuple[str, ...]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=extraction_keywords(), directory_filter=wanted):
        forms = message if isinstance(message, tuple) else (message,)
        found.setdefault(forms[0], (*forms, f"{filename}:{lineno}"))
    return found


def catalogue(lang: str):
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_the_extraction_finds_the_templates_and_the_python_messages():
    messages = extracted_messages()
    assert len(messages) > 200
    assert "Log in" in messages and "No such booking." in messages  # a template and an operations error
    assert "%(num)s customer notified" in messages and "Please log in to see this page." in messages


def test_the_english_catalogue_lists_every_message():
    english = catalogue("en")
    missing = {msgid: where[-1] for msgid, where in extracted_messages().items() if english.get(msgid) is None}
    assert not missing, f"run `make i18n`: not in the catalogues: {missing}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang):
    po = catalogue(lang)
    problems = []
    for msgid, (*forms, where) in extracted_messages().items():
        entry = po.get(msgid)
        if entry is None:
            problems.append(f"missing ({where}): {msgid!r}")
            continue
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(translations):
            problems.append(f"{'fuzzy' if entry.fuzzy else 'untranslated'} ({where}): {msgid!r}")
            continue
        expected = set().union(*(placeholders(form) for form in forms))
        wrong = [text for text in translations if placeholders(text) != expected]
        if wrong:
            problems.append(f"placeholders differ ({where}): {msgid!r} -> {wrong!r}")
    assert not problems, f"{lang}: translate these in booking/translations/{lang}/LC_MESSAGES/messages.po:\n" + \
        "\n".join(problems)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plural_messages_have_every_plural_form_of_the_language(lang):
    po = catalogue(lang)
    for msgid, (*forms, _where) in extracted_messages().items():
        if len(forms) == 2:
            assert len(po[msgid].string) == po.num_plurals, msgid


def _key(value):
    # A plural message is a tuple in a .po and a list in a .mo.
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_english_is_not_compiled():
    # Its msgstr are empty: compiled, an empty plural translation would blank out the English text.
    assert not (CATALOGUES / "en" / "LC_MESSAGES" / "messages.mo").exists(), \
        "remove booking/translations/en/LC_MESSAGES/messages.mo (`make translations` compiles de and es only)"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalogue_is_the_current_one(lang):
    po = catalogue(lang)
    mo_path = CATALOGUES / lang / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), "run `make translations`"
    with mo_path.open("rb") as mo_file:
        mo = read_mo(mo_file)
    usable = {_key(m.id): _key(m.string) for m in po if m.id and not m.fuzzy and all(
        m.string if isinstance(m.string, tuple) else (m.string,))}
    compiled = {_key(m.id): _key(m.string) for m in mo if m.id}
    assert compiled == usable, "the .mo is older than the .po: run `make translations`"


# --- visible text that is not marked at all ------------------------------------------------

LEXER = Environment(extensions=["jinja2.ext.i18n"])
HTML_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.S | re.I)
# Attributes people read (or hear): their text needs translating like any other.
READ = r"(?:title|alt|placeholder|aria-label|aria-description)"
READ_ATTRIBUTES = re.compile(rf'\b{READ}\s*=\s*"([^"\x00]*)"')
OPEN_ATTRIBUTE = re.compile(r'([\w:-]+)\s*=\s*"[^"]*$')
ENTITY = re.compile(r"&#?\w+;")
WORD = re.compile(r"[^\W\d_]{2,}")


def split_template(source: str) -> tuple[str, list[str]]:
    """The template's own text (outside {{ }}, {% %}, {# #} and {% trans %} blocks; each {{ }}
    left as a NUL marker), and the source of each {{ }} printed where people read it: in the
    text or in a read attribute, not in href="..." or data-x="..."."""
    text: list[str] = []
    shown: list[str] = []
    expression: list[str] | None = None
    in_trans = after_block_begin = False
    for _lineno, kind, value in LEXER.lex(source):
        if expression is not None:
            if kind == "variable_end":
                if _is_read_position("".join(text)):
                    shown.append("".join(expression))
                text.append("\x00")
                expression = None
            else:
                expression.append(value)
            continue
        if kind == "whitespace":
            continue
        if after_block_begin and kind == "name":
            in_trans = {"trans": True, "endtrans": False}.get(value, in_trans)
        after_block_begin = kind == "block_begin"
        if kind == "data" and not in_trans:
            text.append(value)
        elif kind == "variable_begin" and not in_trans:
            expression = []
    return "".join(text), shown


def _is_read_position(before: str) -> bool:
    tail = before[before.rfind(">") + 1:] if ">" in before else before
    if re.search(r"<(script|style)\b[^<]*$", before[-2000:], re.I):
        return False
    if "<" not in tail:
        return True  # element content
    attribute = OPEN_ATTRIBUTE.search(tail[tail.rfind("<"):])
    return bool(attribute and re.fullmatch(READ, attribute.group(1)))


def unmarked_words(source: str) -> list[str]:
    text, _shown = split_template(source)
    attributes = " ".join(value for tag in re.findall(r"<[^>]*>", text) for value in READ_ATTRIBUTES.findall(tag))
    visible = ENTITY.sub(" ", HTML_TAG.sub(" ", text) + " " + attributes)
    return [word for word in WORD.findall(visible) if word not in NOT_TRANSLATED]


def printed_literals(source: str) -> list[str]:
    """String constants printed as they are where people read them ({{ "Yes" if x else "No" }})."""
    found: list[str] = []

    def visit(node: nodes.Node) -> None:
        if isinstance(node, nodes.Const) and isinstance(node.value, str) and WORD.search(node.value):
            found.append(node.value)
        elif isinstance(node, nodes.CondExpr):
            visit(node.expr1)
            if node.expr2 is not None:
                visit(node.expr2)
        elif isinstance(node, (nodes.Or, nodes.And)):
            visit(node.left)
            visit(node.right)
        elif isinstance(node, nodes.Concat):
            for child in node.nodes:
                visit(child)
        elif isinstance(node, nodes.Filter) and node.node is not None:
            visit(node.node)

    for expression in split_template(source)[1]:
        for output in LEXER.parse("{{ %s }}" % expression).find_all(nodes.Output):
            for child in output.nodes:
                visit(child)
    return found


TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_templates_show_no_unmarked_text(path):
    source = path.read_text(encoding="utf-8")
    assert not unmarked_words(source), f"wrap visible text in {{{{ _(...) }}}}: {unmarked_words(source)}"
    assert not printed_literals(source), f"wrap printed strings in _(...): {printed_literals(source)}"


def test_the_unmarked_text_check_sees_text_attributes_and_literals():
    page = ('<h1>{{ _("Fine") }}</h1><p title="Hover me">Hello {{ name }}</p>{% trans %}Also fine{% endtrans %}'
            '<a aria-label="{{ _(\'ok\') }}">&nbsp;·</a><script>let x = "code";</script>{# note #}')
    assert unmarked_words(page) == ["Hello", "Hover", "me"]
    literals = ('<p>{{ "Yes" if ok else _("No") }}{{ name or "nobody" }}{{ url_for("x") }}</p>'
                '<a href="{{ "elsewhere" }}" aria-current="{{ \'page\' if here }}" title="{{ "Untranslated" }}">'
                '<script>let y = "{{ \'code\' }}";</script>')
    assert printed_literals(literals) == ["Yes", "nobody", "Untranslated"]
