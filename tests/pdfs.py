"""Real PDF files written out by hand for the preview tests: each page a red rectangle."""


def make_pdf(pages: int = 1, size: tuple[float, float] = (595, 842), encrypted=False) -> bytes:
    """A valid PDF of `pages` pages (`size` in points). `encrypted` adds a standard security
    handler whose password is not empty, so a reader must refuse it without the password."""
    content = b"0.8 0.1 0.1 rg 50 50 200 100 re f"
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>",
    ]
    for i in range(pages):
        box = f"[0 0 {size[0]} {size[1]}]"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox {box} /Contents {4 + 2 * i} 0 R >>")
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content.decode()}\nendstream")
    trailer = f"/Size {len(objects) + 1} /Root 1 0 R"
    if encrypted:
        objects.append(f"<< /Filter /Standard /V 1 /R 2 /O <{'11' * 32}> /U <{'22' * 32}> /P -4 >>")
        trailer = f"/Size {len(objects) + 1} /Root 1 0 R /Encrypt {len(objects)} 0 R"
        trailer += f" /ID [<{'33' * 16}> <{'33' * 16}>]"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< {trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
