"""ELAN Annotation Format 3.0, written and read.

Out: one tier per lane (tier type "vig-marks", which carries the codebook as an ELAN controlled vocabulary of
CV_ENTRY_ML entries with each code's words and its principle as description); a coded mark's value is the
code's words with CVE_REF pointing at its entry, a mark with only a note has the note as its value; the note
of a coded mark goes on a dependent tier "<lane> · notes" (Symbolic_Association), as ELAN users keep
comments. Times are milliseconds (the format's unit); the nearest frame is always the marked one, since a
frame lasts more than a millisecond. The film is a MEDIA_DESCRIPTOR by its pseudonymous name. The header
says VERSION/FORMAT 3.0 (pympi writes 2.8 headers that some tools reject; we write the XML ourselves).

In: every tier with time-aligned annotations becomes a lane; annotations on dependent tiers that refer to a
parent annotation are that annotation's note; other dependent tiers are lanes of their own.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # parsing is guarded below: size capped, no DTD or entities
from dataclasses import replace
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from vigtool.domain.model import Annotation
from vigtool.interop.document import ForeignMark, ForeignMarks, MarksDocument, MarksFormatError, milliseconds, read_text

EAF_VERSION = "3.0"
MARKS_TYPE, NOTES_TYPE, CV_ID, LANG = "vig-marks", "vig-notes", "vig-codebook", "eng"
NOTES_SUFFIX = " · notes"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def write_eaf(doc: MarksDocument, author: str = "") -> bytes:
    ET.register_namespace("xsi", _XSI)
    root = ET.Element("ANNOTATION_DOCUMENT", {
        "AUTHOR": author, "DATE": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "FORMAT": EAF_VERSION, "VERSION": EAF_VERSION,
        f"{{{_XSI}}}noNamespaceSchemaLocation": "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"})
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    ET.SubElement(header, "MEDIA_DESCRIPTOR", {"MEDIA_URL": f"file:///{doc.film_name}", "MIME_TYPE": "video/mp4",
                                               "RELATIVE_MEDIA_URL": f"./{doc.film_name}"})
    time_order = ET.SubElement(root, "TIME_ORDER")
    slots: dict[int, str] = {}

    def slot(ms: int) -> str:
        if ms not in slots:
            slots[ms] = f"ts{len(slots) + 1}"
        return slots[ms]

    tiers: list[ET.Element] = []
    count = 0
    for track in doc.tracks:
        tier = ET.Element("TIER", {"LINGUISTIC_TYPE_REF": MARKS_TYPE, "TIER_ID": track.name})
        participant = _participant(track.marks)
        if participant:
            tier.set("PARTICIPANT", participant)
        notes = ET.Element("TIER", {"LINGUISTIC_TYPE_REF": NOTES_TYPE, "PARENT_REF": track.name,
                                    "TIER_ID": track.name + NOTES_SUFFIX})
        for mark in sorted(track.marks, key=lambda a: (a.start, a.end)):
            count += 1
            mark_id = f"a{count}"
            words = doc.words(mark)
            attributes = {"ANNOTATION_ID": mark_id, "TIME_SLOT_REF1": slot(milliseconds(doc.seconds(mark.start))),
                          "TIME_SLOT_REF2": slot(milliseconds(doc.seconds(mark.end)))}
            if mark.code_id is not None:
                attributes["CVE_REF"] = mark.code_id
            aligned = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION", attributes)
            ET.SubElement(aligned, "ANNOTATION_VALUE").text = words or mark.note
            if words and mark.note:
                count += 1
                ref = ET.SubElement(ET.SubElement(notes, "ANNOTATION"), "REF_ANNOTATION",
                                    {"ANNOTATION_ID": f"a{count}", "ANNOTATION_REF": mark_id})
                ET.SubElement(ref, "ANNOTATION_VALUE").text = mark.note
        tiers.append(tier)
        if len(notes):
            tiers.append(notes)
    for ms, slot_id in sorted(slots.items()):
        ET.SubElement(time_order, "TIME_SLOT", {"TIME_SLOT_ID": slot_id, "TIME_VALUE": str(ms)})
    ET.SubElement(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}).text = str(count)
    root.extend(tiers)
    ET.SubElement(root, "LINGUISTIC_TYPE", {"CONTROLLED_VOCABULARY_REF": CV_ID, "GRAPHIC_REFERENCES": "false",
                                            "LINGUISTIC_TYPE_ID": MARKS_TYPE, "TIME_ALIGNABLE": "true"})
    ET.SubElement(root, "LINGUISTIC_TYPE", {"CONSTRAINTS": "Symbolic_Association", "GRAPHIC_REFERENCES": "false",
                                            "LINGUISTIC_TYPE_ID": NOTES_TYPE, "TIME_ALIGNABLE": "false"})
    ET.SubElement(root, "LANGUAGE", {"LANG_DEF": "http://cdb.iso.org/lg/CDB-00130975-001", "LANG_ID": LANG,
                                     "LANG_LABEL": "English (eng)"})
    for stereotype, description in (
            ("Time_Subdivision", "Time subdivision of parent annotation's time interval, no time gaps allowed "
             "within this interval"),
            ("Symbolic_Subdivision", "Symbolic subdivision of a parent annotation. Annotations refering to the "
             "same parent are ordered"),
            ("Symbolic_Association", "1-1 association with a parent annotation"),
            ("Included_In", "Time alignable annotations within the parent annotation's time interval, gaps are "
             "allowed")):
        ET.SubElement(root, "CONSTRAINT", {"DESCRIPTION": description, "STEREOTYPE": stereotype})
    vocabulary = ET.SubElement(root, "CONTROLLED_VOCABULARY", {"CV_ID": CV_ID})
    ET.SubElement(vocabulary, "DESCRIPTION", {"LANG_REF": LANG}).text = doc.codebook.name
    for code in doc.codebook.codes:
        entry = ET.SubElement(vocabulary, "CV_ENTRY_ML", {"CVE_ID": code.id})
        principle = doc.codebook.principle(code.principle_id)
        ET.SubElement(entry, "CVE_VALUE", {"DESCRIPTION": principle.name, "LANG_REF": LANG}).text = code.label
    ET.indent(root, space="    ")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def _participant(marks: tuple[Annotation, ...]) -> str:
    """ELAN names who is speaking per tier, not per annotation: a lane whose marks all have the same actor
    says so; a lane of mixed or no actors leaves it out (its actors then travel only in CSV and OTIO)."""
    actors = {mark.actor for mark in marks}
    if len(actors) != 1:
        return ""
    actor = actors.pop()
    return "" if actor is None else actor.value


def _parse(path: Path) -> ET.Element:
    text = read_text(path)
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise MarksFormatError(path, "the file declares a DTD or entities, which an ELAN file never does")
    try:
        return ET.fromstring(text)  # noqa: S314 - no DTD or entities (checked above), size capped
    except ET.ParseError as exc:
        raise MarksFormatError(path, f"not well-formed XML ({exc})") from exc


def read_eaf(path: Path) -> ForeignMarks:
    root = _parse(path)
    if root.tag != "ANNOTATION_DOCUMENT":
        raise MarksFormatError(path, f"not an ELAN file (its root element is <{root.tag}>)")
    version = root.get("VERSION", "")
    try:
        major = int(version.split(".")[0])
    except ValueError:
        major = -1
    if major not in (2, 3):
        raise MarksFormatError(path, f"ELAN format version {version or '(none)'} is not one this vigtool reads "
                               "(2.x and 3.0)")
    header = root.find("HEADER")
    if header is not None and header.get("TIME_UNITS", "milliseconds") != "milliseconds":
        raise MarksFormatError(path, f"time units {header.get('TIME_UNITS')!r}; ELAN files use milliseconds")
    slots = _time_slots(root, path)
    cv_words = _vocabulary(root)
    found = ForeignMarks()
    by_id: dict[str, int] = {}  # annotation id → index in found.marks
    pending_notes: list[tuple[str, str]] = []  # (parent annotation id, note)
    for tier in root.iter("TIER"):
        name = tier.get("TIER_ID", "").strip()
        if not name:
            raise MarksFormatError(path, "a tier has no TIER_ID")
        aligned = tier.findall("ANNOTATION/ALIGNABLE_ANNOTATION")
        refs = tier.findall("ANNOTATION/REF_ANNOTATION")
        if refs and not aligned and tier.get("PARENT_REF"):
            pending_notes.extend((r.get("ANNOTATION_REF", ""), (r.findtext("ANNOTATION_VALUE") or "").strip())
                                 for r in refs)
            continue
        found.lane(name)
        for annotation in aligned:
            where = f"tier {name!r}, annotation {annotation.get('ANNOTATION_ID', '?')}"
            start, end = (_slot_time(slots, annotation.get(ref), path, where)
                          for ref in ("TIME_SLOT_REF1", "TIME_SLOT_REF2"))
            if start is None or end is None:
                continue  # an unaligned slot: ELAN interpolates these, we skip what has no time
            value = (annotation.findtext("ANNOTATION_VALUE") or "").strip()
            cve = annotation.get("CVE_REF")
            by_id[annotation.get("ANNOTATION_ID", "")] = len(found.marks)
            found.marks.append(ForeignMark(track=name, start_s=start, end_s=end, value=cv_words.get(cve or "", value),
                                           code_id=cve, actor=tier.get("PARTICIPANT") or None, where=where))
    for parent, note in pending_notes:
        index = by_id.get(parent)
        if index is not None and note:
            mark = found.marks[index]
            found.marks[index] = replace(mark, note=note)
    return found


def _time_slots(root: ET.Element, path: Path) -> dict[str, int | None]:
    slots: dict[str, int | None] = {}
    for slot in root.iter("TIME_SLOT"):
        value = slot.get("TIME_VALUE")
        try:
            slots[slot.get("TIME_SLOT_ID", "")] = None if value is None else int(value)
        except ValueError as exc:
            raise MarksFormatError(path, f"time slot {slot.get('TIME_SLOT_ID')}: {value!r} is not a number of "
                                   "milliseconds") from exc
    return slots


def _slot_time(slots: dict[str, int | None], ref: str | None, path: Path, where: str) -> Fraction | None:
    if ref not in slots:
        raise MarksFormatError(path, f"{where}: refers to a time slot {ref!r} that the file does not have")
    ms = slots[ref]
    if ms is not None and ms < 0:
        raise MarksFormatError(path, f"{where}: a negative time ({ms} ms)")
    return None if ms is None else Fraction(ms, 1000)


def _vocabulary(root: ET.Element) -> dict[str, str]:
    """CVE_ID → its words (the first value), for 3.0 (CV_ENTRY_ML) and older (CV_ENTRY) vocabularies."""
    words: dict[str, str] = {}
    for entry in root.iter("CV_ENTRY_ML"):
        value = entry.find("CVE_VALUE")
        if value is not None and value.text:
            words[entry.get("CVE_ID", "")] = value.text.strip()
    for entry in root.iter("CV_ENTRY"):
        if entry.text and entry.get("CVE_ID"):
            words[entry.get("CVE_ID", "")] = entry.text.strip()
    return words
