"""Checks a browser test runs on any page: forms whose descriptions exist, focus after a refusal, and 320 px.

At 320 px (WCAG 1.4.10) the tables people work from stay readable: no word cut in two, nothing hidden, and the
page itself does not scroll sideways. A data table may scroll inside its wrapper; then the wrapper must be
reachable by keyboard and named.
"""

# Every word of every table cell laid out on one line: a word split over two lines has two client rectangles.
BROKEN_WORDS = """() => {
  const broken = [];
  document.querySelectorAll('.table-wrap th, .table-wrap td').forEach(cell => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g; let m;
      while ((m = re.exec(node.data)) !== null) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
        if (lines.size > 1) { broken.push(m[0]); }
      }
    }
  });
  return broken;
}"""

UNREACHABLE_SCROLLERS = """() => Array.from(document.querySelectorAll('.table-wrap'))
  .filter(w => w.scrollWidth > w.clientWidth + 1)
  .filter(w => w.getAttribute('tabindex') !== '0' || !(w.getAttribute('aria-label') || w.getAttribute('aria-labelledby')))
  .map(w => w.outerHTML.slice(0, 80))"""

# Every id an aria-describedby (or aria-labelledby) names, that no element on the page has.
DANGLING_REFERENCES = """() => Array.from(document.querySelectorAll('[aria-describedby], [aria-labelledby]'))
  .flatMap(el => ['aria-describedby', 'aria-labelledby'].flatMap(attr =>
    (el.getAttribute(attr) || '').split(/\\s+/).filter(Boolean)
      .filter(id => document.getElementById(id) === null)
      .map(id => `${el.tagName.toLowerCase()}#${el.id} ${attr}="${id}"`)))"""

NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done())))"


def check_narrow(page):
    """The page as it is now, laid out at 320 px: no table word broken, every overflowing table wrapper reachable
    and named, and no sideways scrolling of the page itself."""
    assert page.evaluate(BROKEN_WORDS) == [], page.url
    assert page.evaluate(UNREACHABLE_SCROLLERS) == [], page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} scrolls sideways at 320 px: {width} px wide"


def at_320_px(page):
    """check_narrow at 320 px wide, then back to the page's own width."""
    before = page.viewport_size
    page.set_viewport_size({"width": 320, "height": before["height"]})
    try:
        page.evaluate(NEXT_FRAME)  # the layout and the table script's resize handler have run
        check_narrow(page)
    finally:
        page.set_viewport_size(before)


def check_references(page):
    """No aria-describedby or aria-labelledby names an id that is not on the page."""
    assert page.evaluate(DANGLING_REFERENCES) == [], page.url


def focus_is_on_error_summary(page):
    return page.evaluate("() => document.activeElement !== null && "
                         "document.activeElement.classList.contains('error-summary')")
