"""What the practitioner dropped on the window, as films to import: a folder stands for the films in it."""

from __future__ import annotations

from pathlib import Path

from vigtool.media.first_look import why_not_a_film

FILM_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".3gp", ".avi", ".webm", ".mts"})


def films_in(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """The files dropped, and the films inside each folder dropped (and its subfolders), in name order;
    with a note for every folder that held none. Files are passed on as they are: the import says what is
    wrong with one that is not a film."""
    films: list[Path] = []
    notes: list[str] = []
    for path in paths:
        if not path.is_dir():
            films.append(path)
            continue
        inside = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FILM_SUFFIXES
                        and not p.name.startswith("."))
        if not inside:
            notes.append(f"{path.name}: no films in this folder")
        films.extend(inside)
    return films, notes


def screen_films(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """The paths that look like films, and a message naming each one that plainly is not (a photo, an
    empty file, a folder, a pipe), from a first look at its header: asked before the family is, so the
    question counts only what can be imported."""
    films: list[Path] = []
    problems: list[str] = []
    for path in paths:
        why = why_not_a_film(path)
        if why is None:
            films.append(path)
        else:
            problems.append(f"{path}: {why}")
    return films, problems
