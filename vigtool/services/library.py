"""What the front ends read of the vault, so that `ui/` talks to services only and never to `storage`.

The window asks here for the families and their films, a film, the codebook, a workspace on a film, the
supervision contacts and whether a film was received from someone; and it names the few storage facts it
shows (a package's file suffix, the shortest passphrase) through this module.
"""

from __future__ import annotations

from storage.identity import IdentityError, PublicIdentity
from storage.keys import MIN_PASSPHRASE_LENGTH
from storage.package import SUFFIX as PACKAGE_SUFFIX
from storage.package import PackageReader, is_for_person
from vigtool.domain.codebook import Codebook
from vigtool.domain.model import Case, Recording
from vigtool.services import lanes
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace

__all__ = ["MIN_PASSPHRASE_LENGTH", "PACKAGE_SUFFIX", "IdentityError", "PackageReader", "PublicIdentity",
           "codebook", "contacts", "families_and_films", "film", "films_of", "is_for_person", "is_received",
           "open_workspace", "sendable_films"]


def families_and_films(vault: Vault) -> list[tuple[Case, list[Recording]]]:
    repo = vault.repo
    return [(case, repo.recordings.list(case.id)) for case in repo.cases.list()]


def film(vault: Vault, recording_id: int) -> Recording:
    return vault.repo.recordings.get(recording_id)


def films_of(vault: Vault, case_id: int | None = None) -> list[Recording]:
    """The films of one family (None: every film in the vault)."""
    return vault.repo.recordings.list(case_id)


def codebook(vault: Vault) -> Codebook:
    return vault.repo.codebook.load()


def open_workspace(vault: Vault, recording: Recording) -> Workspace:
    return Workspace(vault.repo, recording, lanes.people(vault))


def contacts(vault: Vault) -> list[PublicIdentity]:
    """The supervision partners whose key cards this vault holds."""
    return vault.identities.contacts()


def is_received(vault: Vault, recording_id: int) -> bool:
    """True for a film sent to this vault for supervision (it goes back only as comments)."""
    return vault.received.origin_of(recording_id) is not None


def sendable_films(vault: Vault, case_id: int) -> list[Recording]:
    """A family's films that may be sent for supervision: this vault's own, not those received."""
    return [r for r in films_of(vault, case_id) if not is_received(vault, r.id)]
