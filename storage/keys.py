"""The vault's key hierarchy: passphrase → Argon2id → key-encryption key → master key → per-film data keys.

Only wrapped keys ever reach the disk. `vault.key` holds the Argon2id parameters and the master key
sealed (AES-256-GCM) under the key derived from the passphrase; changing the passphrase rewraps that one
value and touches nothing else. Each recording has its own random data key, wrapped by a key derived
from the master key and stored in its database row: deleting the row destroys the only way to read the
film (crypto-shredding), whatever copies of its segments a disk may still hold.

Keys live in memory as `bytes` (Python cannot reliably wipe them) and never appear in a repr or a log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.atomic import write_atomically

KEY_FILE_NAME = "vault.key"
KEY_FILE_FORMAT = "vigtool.vault-key"
KEY_FILE_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
MIN_PASSPHRASE_LENGTH = 8


class VaultKeyError(RuntimeError):
    """The key file is missing, damaged or from a newer vigtool."""


class WrongPassphraseError(VaultKeyError):
    """The passphrase does not open this vault."""


class KeyUnwrapError(VaultKeyError):
    """A recording's data key does not open: it was changed, or belongs to another recording or vault."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The default is RFC 9106's second recommendation (64 MiB, 3 passes, 4 lanes)."""

    iterations: int = 3
    lanes: int = 4
    memory_cost_kib: int = 64 * 1024

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        kdf = Argon2id(salt=salt, length=KEY_BYTES, iterations=self.iterations, lanes=self.lanes,
                       memory_cost=self.memory_cost_kib)
        return kdf.derive(passphrase.encode("utf-8"))


def check_new_passphrase(passphrase: str) -> None:
    """Refuse passphrases too short to protect a family's film on a lost laptop."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ValueError(f"a vault passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise VaultKeyError(f"the key file's {what} is missing")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise VaultKeyError(f"the key file's {what} is damaged") from exc


def _subkey(master: bytes, purpose: str) -> bytes:
    return HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=f"vigtool/{purpose}/v1".encode()).derive(master)


class VaultKeys:
    """The unlocked master key of one vault and the keys derived from it. Never printed."""

    def __init__(self, vault_id: bytes, master: bytes) -> None:
        self.vault_id = vault_id
        self._master = master
        self.field_key = _subkey(master, "fields")
        self.row_seal_key = _subkey(master, "row-seals")  # storage.integrity: the clear columns that matter
        self._fingerprint_key = _subkey(master, "fingerprint")
        self._data_key_wrapper = AESGCM(_subkey(master, "data-keys"))

    def __repr__(self) -> str:
        return f"VaultKeys(vault={self.vault_id.hex()}, <keys hidden>)"

    def fingerprint(self, sha256_hex: str) -> str:
        """A keyed fingerprint of a file's SHA-256, for duplicate detection that a thief cannot test
        against a film they already have."""
        return hmac.new(self._fingerprint_key, bytes.fromhex(sha256_hex), "sha256").hexdigest()

    def _data_key_aad(self, media_id: str) -> bytes:
        return b"vigtool/data-key/v1|" + self.vault_id + b"|" + media_id.encode("ascii")

    def wrap_data_key(self, data_key: bytes, media_id: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._data_key_wrapper.encrypt(nonce, data_key, self._data_key_aad(media_id))

    def unwrap_data_key(self, wrapped: bytes, media_id: str) -> bytes:
        try:
            return self._data_key_wrapper.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:],
                                                  self._data_key_aad(media_id))
        except (InvalidTag, ValueError) as exc:
            raise KeyUnwrapError(f"the key of film {media_id} does not open (changed or moved)") from exc

    def master_for_rewrap(self) -> bytes:
        return self._master


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


# -- the key file ---------------------------------------------------------------------------------
def _master_aad(document: dict[str, Any]) -> bytes:
    # Everything but the sealed key itself is bound to it: changing the cost or the salt breaks the unwrap.
    bound = {k: v for k, v in document.items() if k not in {"master_key", "checksum"}}
    return json.dumps(bound, sort_keys=True, separators=(",", ":")).encode()


def _checksum(document: dict[str, Any]) -> str:
    """A plain SHA-256 of the file's content: a damaged key file is told from a wrong passphrase (files
    written before it was added have none)."""
    body = {k: v for k, v in document.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _seal_master(master: bytes, vault_id: bytes, passphrase: str, params: KdfParams) -> dict[str, Any]:
    salt = os.urandom(16)
    document: dict[str, Any] = {
        "format": KEY_FILE_FORMAT, "version": KEY_FILE_VERSION, "vault_id": vault_id.hex(),
        "kdf": {"algorithm": "argon2id", "salt": _b64(salt)} | asdict(params),
    }
    kek = AESGCM(params.derive(passphrase, salt))
    nonce = os.urandom(NONCE_BYTES)
    document["master_key"] = _b64(nonce + kek.encrypt(nonce, master, _master_aad(document)))
    document["checksum"] = _checksum(document)
    return document


def _write_key_file(path: Path, document: dict[str, Any]) -> None:
    write_atomically(path, (json.dumps(document, indent=2) + "\n").encode())


def create_key_file(path: Path, passphrase: str, params: KdfParams | None = None) -> VaultKeys:
    """Make a new vault key (random master key) sealed with `passphrase`."""
    check_new_passphrase(passphrase)
    vault_id, master = secrets.token_bytes(16), secrets.token_bytes(KEY_BYTES)
    _write_key_file(path, _seal_master(master, vault_id, passphrase, params or KdfParams()))
    return VaultKeys(vault_id, master)


def _read_key_file(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise VaultKeyError(f"{path}: the vault's key file is missing; without it nothing can be opened") from exc
    except OSError as exc:
        raise VaultKeyError(f"{path}: the vault's key file cannot be read ({exc.strerror})") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise VaultKeyError(f"{path}: the vault's key file is damaged (not valid JSON)") from exc
    if not isinstance(document, dict) or document.get("format") != KEY_FILE_FORMAT:
        raise VaultKeyError(f"{path}: is not a vigtool vault key file")
    if document.get("version") != KEY_FILE_VERSION:
        raise VaultKeyError(f"{path}: was written by a newer vigtool (key file version {document.get('version')})")
    return document


def unlock_key_file(path: Path, passphrase: str) -> VaultKeys:
    """Open the vault key with `passphrase`; WrongPassphraseError when it does not fit."""
    document = _read_key_file(path)
    if "checksum" in document and document["checksum"] != _checksum(document):
        raise VaultKeyError(f"{path}: the vault's key file is damaged (it changed since vigtool wrote it); "
                            "put back a copy from a backup")
    kdf = document.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("algorithm") != "argon2id":
        raise VaultKeyError(f"{path}: the vault's key file names an unknown key derivation")
    try:
        params = KdfParams(int(kdf["iterations"]), int(kdf["lanes"]), int(kdf["memory_cost_kib"]))
        vault_id = bytes.fromhex(document["vault_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise VaultKeyError(f"{path}: the vault's key file is damaged") from exc
    salt = _unb64(kdf.get("salt"), "salt")
    sealed = _unb64(document.get("master_key"), "sealed key")
    try:
        kek = AESGCM(params.derive(passphrase, salt))
    except ValueError as exc:  # Argon2id refuses the settings (e.g. a memory cost lowered below its minimum)
        raise VaultKeyError(f"{path}: the vault's key file names key derivation settings that cannot be used "
                            f"({exc}); it was changed or damaged") from exc
    try:
        master = kek.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _master_aad(document))
    except (InvalidTag, ValueError) as exc:
        raise WrongPassphraseError(f"{path.parent}: that passphrase does not open this vault") from exc
    return VaultKeys(vault_id, master)


def rewrap_key_file(path: Path, keys: VaultKeys, new_passphrase: str, params: KdfParams | None = None) -> None:
    """Seal the same master key under a new passphrase (nothing else in the vault changes)."""
    check_new_passphrase(new_passphrase)
    _write_key_file(path, _seal_master(keys.master_for_rewrap(), keys.vault_id, new_passphrase,
                                       params or KdfParams()))
