"""CSV files that spreadsheet programs open safely: no cell runs as a formula."""
import csv
import io

# A cell starting with one of these is run as a formula (or DDE command) by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text):
    """The text, with a leading apostrophe when a spreadsheet would read it as a formula."""
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header, rows, *, byte_order_mark=False):
    """A CSV document; every cell made safe. With the BOM, spreadsheet programs read it as UTF-8."""
    buffer = io.StringIO()
    if byte_order_mark:
        buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
