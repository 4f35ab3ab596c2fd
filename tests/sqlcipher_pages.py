"""The decrypted bytes of a SQLCipher file and its WAL, every page, free pages included.

What an attacker holding the key would see, not just the rows SQLite still
links: a test that an erased customer is gone reads these bytes. SQLCipher 4
with a raw key: each page is AES-256-CBC encrypted with the key itself; its
last 80 bytes hold the page's IV (16) and HMAC (64); page 1 starts with the
file's 16-byte salt, stored in the clear.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE = 4096
RESERVE = 80  # IV + HMAC-SHA512
SALT = 16
WAL_HEADER, FRAME_HEADER = 32, 24


def _page(key: bytes, page: bytes, first: bool) -> bytes:
    if len(page) < PAGE or not any(page):
        return b""
    iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
    body = page[SALT if first else 0:PAGE - RESERVE]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(body) + decryptor.finalize()


def decrypted(path: Path, key_hex: str) -> bytes:
    """Every page of the store file and of its `-wal`, decrypted and concatenated."""
    key = bytes.fromhex(key_hex)
    out = bytearray()
    if path.exists():
        data = path.read_bytes()
        for offset in range(0, len(data), PAGE):
            out += _page(key, data[offset:offset + PAGE], offset == 0)
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        data = wal.read_bytes()
        offset = WAL_HEADER
        while offset + FRAME_HEADER + PAGE <= len(data):
            number = int.from_bytes(data[offset:offset + 4], "big")
            out += _page(key, data[offset + FRAME_HEADER:offset + FRAME_HEADER + PAGE], number == 1)
            offset += FRAME_HEADER + PAGE
    return bytes(out)


def wal_frames(path: Path, key_hex: str) -> bytes:
    """Every frame of the store's `-wal` file, decrypted and concatenated (empty when there is none)."""
    key = bytes.fromhex(key_hex)
    wal = path.with_name(path.name + "-wal")
    out = bytearray()
    if wal.exists():
        data = wal.read_bytes()
        offset = WAL_HEADER
        while offset + FRAME_HEADER + PAGE <= len(data):
            number = int.from_bytes(data[offset:offset + 4], "big")
            out += _page(key, data[offset + FRAME_HEADER:offset + FRAME_HEADER + PAGE], number == 1)
            offset += FRAME_HEADER + PAGE
    return bytes(out)


def free_pages(path: Path, key_hex: str) -> dict[int, bytes]:
    """The store file's free pages (the freelist's trunk and leaf pages), decrypted, by page number. Read from
    the file alone: checkpoint the WAL first for the file to be current."""
    key = bytes.fromhex(key_hex)
    data = path.read_bytes()

    def page(number: int) -> bytes:
        offset = (number - 1) * PAGE
        return _page(key, data[offset:offset + PAGE], number == 1)

    first = page(1)
    # The decrypted first page starts after the 16-byte salt: header offsets 32 and 36 move by SALT.
    trunk = int.from_bytes(first[32 - SALT:36 - SALT], "big")
    found: dict[int, bytes] = {}
    while trunk:
        body = page(trunk)
        found[trunk] = body
        count = int.from_bytes(body[4:8], "big")
        for n in range(count):
            leaf = int.from_bytes(body[8 + 4 * n:12 + 4 * n], "big")
            found[leaf] = page(leaf)
        trunk = int.from_bytes(body[0:4], "big")
    return found
