"""Search, filters and sort on the pages: a form and an inline script, nothing fetched.

The pages stay self-contained and work from `file://` with no network: the script is in the page,
and it works on what the page holds. Each item (`<article class="record">` on a batch page, `<li
class="paper">` in the index) carries its year, journal, keywords and flags in `data-` attributes;
free text is matched against the input's text the item shows (English, Chinese and pinyin, the
folded originals too: each piece of it is in a `<bdi>` or a `dir="auto"` element, the page's own
words are not) and its `data-search` (the title's pinyin), case, accents (ü) and spaces aside.
Every word of the query must be found. Without JavaScript (a mail client), the form stays hidden
and the page is as it was.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .batch import Entry
from .words import FLAG_WORDS

#: Keywords offered as filters: the most used, at most this many.
KEYWORD_CHOICES = 200

CSS = """
.finder{margin:1rem 0 1.4rem;padding:.7rem .8rem;border:1px solid var(--rule);border-radius:4px;background:var(--panel);
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:.88rem}
.finder input[type=search]{width:100%;padding:.45rem .55rem;font:inherit;font-size:1rem;border:1px solid var(--rule);
border-radius:3px;background:var(--bg);color:var(--fg)}
.finder .controls{display:flex;flex-wrap:wrap;gap:.5rem .9rem;margin-top:.55rem}
.finder label{display:flex;flex-direction:column;gap:.15rem;color:var(--muted)}
.finder select{font:inherit;max-width:16rem;padding:.2rem;background:var(--bg);color:var(--fg);border:1px solid var(--rule)}
.finder .shown{margin:.55rem 0 0;color:var(--muted)}
.finder button{font:inherit;padding:.2rem .7rem;align-self:flex-end}
[data-item][hidden]{display:none}
@media print{.finder{display:none}}
"""

# The script: plain ES2017, no library. It only hides, shows and reorders what the page holds.
SCRIPT = r"""
(function () {
  var form = document.getElementById('finder');
  if (!form) return;
  form.hidden = false;
  var list = document.getElementById(form.getAttribute('data-list'));
  var items = Array.prototype.slice.call(list.querySelectorAll('[data-item]'));
  items.forEach(function (item, index) { item.setAttribute('data-order', String(index)); });
  var fold = function (text) {
    return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  };
  var haystacks = new Map();
  var haystack = function (item) {
    if (!haystacks.has(item)) {
      // The input's text only (each piece is isolated in a bdi or a dir="auto" element): the
      // page's own words ("Chinese original", "summary: ... method") are on every item.
      var own = Array.prototype.map.call(item.querySelectorAll('[dir=auto], bdi'), function (part) {
        return part.textContent;
      });
      var text = fold(own.join(' ') + ' ' + (item.getAttribute('data-search') || ''));
      haystacks.set(item, text + ' ' + text.replace(/\s+/g, ''));
    }
    return haystacks.get(item);
  };
  var field = function (name) { return form.elements[name] ? form.elements[name].value : ''; };
  var listed = function (item, name) {
    var value = item.getAttribute('data-' + name) || '';
    return value ? JSON.parse(value) : [];
  };
  var compare = {
    listed: function (a, b) { return a.order - b.order; },
    // Items without a year come last, whichever way years are sorted.
    'year-new': function (a, b) { return (!a.year - !b.year) || (b.year - a.year) || (a.order - b.order); },
    'year-old': function (a, b) { return (!a.year - !b.year) || (a.year - b.year) || (a.order - b.order); },
    title: function (a, b) { return a.title.localeCompare(b.title, 'en') || (a.order - b.order); }
  };
  var update = function () {
    var words = fold(field('q')).split(/\s+/).filter(Boolean);
    var keyword = field('keyword'), year = field('year'), journal = field('journal'), flag = field('flag');
    var shown = 0;
    items.forEach(function (item) {
      var flags = listed(item, 'flags');
      var match = words.every(function (word) { return haystack(item).indexOf(word) >= 0; })
        && (!keyword || listed(item, 'keywords').indexOf(keyword) >= 0)
        && (!year || item.getAttribute('data-year') === year)
        && (!journal || item.getAttribute('data-journal') === journal)
        && (!flag || (flag === '-' ? flags.length === 0 : flags.indexOf(flag) >= 0));
      item.hidden = !match;
      if (match) shown += 1;
    });
    var order = items.map(function (item) {
      return {
        item: item,
        order: Number(item.getAttribute('data-order')),
        year: Number(item.getAttribute('data-year')) || 0,
        title: item.getAttribute('data-title') || ''
      };
    });
    order.sort(compare[field('sort')] || compare.listed);
    order.forEach(function (entry) { list.appendChild(entry.item); });
    var count = document.getElementById('finder-shown');
    count.textContent = shown === items.length
      ? 'Showing all ' + items.length + '.'
      : 'Showing ' + shown + ' of ' + items.length + '.';
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  form.addEventListener('submit', function (event) { event.preventDefault(); update(); });
  form.addEventListener('reset', function () { setTimeout(update, 0); });
  update();
})();
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


@dataclass
class Facets:
    """What the items of a page can be filtered by: their years, journals, keywords and flags."""

    years: Counter[str] = field(default_factory=Counter)
    journals: Counter[str] = field(default_factory=Counter)
    keywords: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Facets:
        facets = cls()
        for entry in entries:
            if entry.year:
                facets.years[entry.year] += 1
            if entry.journal is not None:
                facets.journals[entry.journal.text] += 1
            facets.keywords.update(item_keywords(entry))
            facets.flags.update(entry.flags)
        return facets


def item_keywords(entry: Entry) -> list[str]:
    """The keywords an item can be filtered by: extracted and the authors', in English and as written."""
    return list(dict.fromkeys([*entry.keywords, *entry.author_keywords, *entry.author_keywords_original]))


def item_attributes(entry: Entry) -> str:
    """The `data-` attributes the script filters and sorts an item by (escaped, ready for a start tag)."""
    values = {
        "item": "",
        "year": entry.year,
        "journal": entry.journal.text if entry.journal is not None else "",
        # Lists as JSON: a translated keyword may hold any separator ("soothing the liver; regulating qi").
        "keywords": _listed(item_keywords(entry)),
        "flags": _listed(entry.flags),
        "title": entry.title,
        "search": " ".join(part for part in (entry.title_pinyin,) if part),
    }
    return "".join(f' data-{name}="{_e(value)}"' for name, value in values.items() if value or name == "item")


def _listed(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False) if values else ""


def _select(name: str, label: str, choices: list[tuple[str, str]], everything: str) -> str:
    options = [f'<option value="">{_e(everything)}</option>']
    # Keywords and journals are input text: each option takes its own direction.
    options += [f'<option value="{_e(value)}" dir="auto">{_e(text)}</option>' for value, text in choices]
    return f'<label>{_e(label)}<select name="{name}">{"".join(options)}</select></label>'


def finder(facets: Facets, list_id: str, what: str, scope: str = "") -> str:
    """The search form for the items of the element `list_id` ("abstracts", "papers"), hidden until its script runs."""
    years = sorted(facets.years, reverse=True)
    journals = sorted(facets.journals, key=str.casefold)
    keywords = sorted(
        sorted(facets.keywords, key=lambda word: (-facets.keywords[word], word.casefold()))[:KEYWORD_CHOICES],
        key=str.casefold,
    )
    flags = [("-", "no flags"), *[(flag, FLAG_WORDS.get(flag, flag)) for flag in sorted(facets.flags)]]
    sorts = [("listed", "as listed"), ("year-new", "year, newest first"), ("year-old", "year, oldest first")]
    sorts.append(("title", "title, A to Z"))
    out = [f'<form class="finder" id="finder" data-list="{_e(list_id)}" role="search" hidden>\n']
    out.append(
        f'<input type="search" name="q" aria-label="Search {_e(what)}" '
        f'placeholder="Search {_e(what)}: English, 中文 or pinyin" autocomplete="off">\n<div class="controls">'
    )
    # A filter with nothing to choose (no years in a plain text export) is left out.
    if keywords:
        out.append(_select("keyword", "Keyword", [(word, word) for word in keywords], "any keyword"))
    if years:
        out.append(_select("year", "Year", [(year, year) for year in years], "any year"))
    if journals:
        out.append(_select("journal", "Journal", [(name, name) for name in journals], "any journal"))
    if facets.flags:
        out.append(_select("flag", "Flags", flags, "any"))
    sort_options = "".join(f'<option value="{value}">{_e(text)}</option>' for value, text in sorts)
    out.append(f'<label>Sort<select name="sort">{sort_options}</select></label>')
    out.append('<button type="reset">Clear</button></div>\n')
    out.append('<p class="shown" id="finder-shown" aria-live="polite"></p>')
    out.append(f'<p class="shown">{_e(scope)}</p>' if scope else "")
    out.append("</form>\n")
    return "".join(out)


def finder_script() -> str:
    """The script of the search form, after the items it works on."""
    return f"<script>{SCRIPT}</script>\n"
