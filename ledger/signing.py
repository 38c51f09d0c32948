"""The checkpoint key: Ed25519, kept outside the database (docs/ledger-threat-model.md).

Ed25519 rather than HMAC-SHA256: an inspection team or another office can check a checkpoint
with the public key alone (`manage.py export_ledger_checkpoints` writes it beside the
signatures), without being given anything that could sign. Ed25519 signatures are
deterministic, so the short code printed on paper (seq + the signature's first 12 hex
digits) can be recomputed from the chain and the key, with or without the stored row.

The key comes from the setting LEDGER_SIGNING_KEY (64 hex digits, the private seed); when it
is empty — the embedded default — from LEDGER_SIGNING_KEY_FILE, which is created on first use
(mode 0600, under var/, never in the database).
"""

import functools
import hashlib
import os
import re
import secrets
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

ALGORITHM = "Ed25519"
HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")
# "1234-9f86-d081-884c": seq, then the signature's first 12 hex digits in groups of four. The
# groups' dashes are optional when typed; full-width dashes and spaces are forgiven.
CODE = re.compile(r"(\d{1,18})-([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})")
CODE_HEX_DIGITS = 12


class InvalidCode(ValueError):
    """A verification code that is not of the form seq-xxxx-xxxx-xxxx."""


def message(seq: int, head_hash: str) -> bytes:
    """What a checkpoint signs: only the chain position, so the code depends on nothing else."""
    return f"zhenggai-ledger-checkpoint:v1:{seq}:{head_hash}".encode()


def _read_or_create(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    seed = secrets.token_hex(32)
    # Written whole under a temporary name, then linked into place: link() fails if the key
    # exists, so two processes starting at once agree on one key, and neither ever reads a
    # key file that is still empty.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".ledger-key-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(seed + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return path.read_text().strip()
    finally:
        os.unlink(temporary)
    return seed


@functools.lru_cache(maxsize=4)
def _load(seed_setting: str, key_file: str) -> Ed25519PrivateKey:
    seed = seed_setting or _read_or_create(Path(key_file))
    if not HEX_KEY.fullmatch(seed):
        raise ValueError(f"the ledger signing key in {key_file!r} is not 64 hex digits")
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed))


def private_key() -> Ed25519PrivateKey:
    return _load(settings.LEDGER_SIGNING_KEY, str(settings.LEDGER_SIGNING_KEY_FILE))


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_hex() -> str:
    return public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def key_id() -> str:
    """Names the key a checkpoint was signed with (the public key's SHA-256, shortened)."""
    return hashlib.sha256(bytes.fromhex(public_key_hex())).hexdigest()[:16]


def sign(seq: int, head_hash: str) -> str:
    return private_key().sign(message(seq, head_hash)).hex()


def signature_holds(seq: int, head_hash: str, signature: str) -> bool:
    try:
        public_key().verify(bytes.fromhex(signature), message(seq, head_hash))
    except Exception:  # InvalidSignature, or a signature that is not even hex
        return False
    return True


def checkpoint_code(seq: int, signature: str) -> str:
    """台账校验码: short enough to type from paper, unforgeable without the key."""
    h = signature[:CODE_HEX_DIGITS]
    return f"{seq}-{h[0:4]}-{h[4:8]}-{h[8:12]}"


def parse_code(code: str) -> tuple[int, str]:
    """(seq, first 12 hex digits of the signature); InvalidCode when it cannot be one."""
    text = (code or "").strip().lower()
    for dash in ("－", "—", "–"):
        text = text.replace(dash, "-")
    text = re.sub(r"\s+", "", text)
    match = CODE.fullmatch(text)
    if match is None:
        raise InvalidCode(
            "台账校验码格式不正确，应为“序号-四位-四位-四位”，如 1234-9f86-d081-884c。"
        )
    seq, *groups = match.groups()
    return int(seq), "".join(groups)


def code_matches(code_hex: str, seq: int, head_hash: str) -> bool:
    """Whether a printed code was made for exactly this chain position (with our key)."""
    return secrets.compare_digest(sign(seq, head_hash)[:CODE_HEX_DIGITS], code_hex)
