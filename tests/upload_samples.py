"""Files that must not get in, built small in memory: zip bombs and a PDF/HTML polyglot."""
import io
import struct
import zipfile


def docx(document=b"<w:document/>", extra=(), compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document)
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb():
    """2 MiB of zeros packed into about 2 KB: a ratio of about 1,000, like the 1 GiB ones, only smaller."""
    return docx(bytes(2 * 1024 * 1024))


def lying_zip_bomb():
    """The same bomb, its central directory claiming the document unpacks to 20 KB (a ratio of about 10)."""
    data = bytearray(zip_bomb())
    entry = data.index(b"PK\x01\x02")
    while True:  # find the directory entry of word/document.xml and write a small size into it
        name_length = struct.unpack("<H", data[entry + 28:entry + 30])[0]
        if data[entry + 46:entry + 46 + name_length] == b"word/document.xml":
            struct.pack_into("<I", data, entry + 24, 20_000)
            return bytes(data)
        entry = data.index(b"PK\x01\x02", entry + 4)


PDF_POLYGLOT = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n<!DOCTYPE html><html><script>alert(document.cookie)</script>\n1 0 obj<<>>endobj"
