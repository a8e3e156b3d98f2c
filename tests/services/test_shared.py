"""Shared services: serial numbers under concurrency, masking, identifier validation, uploads."""
from __future__ import annotations

import io
import threading
from datetime import date

import pytest
from werkzeug.datastructures import FileStorage

from portal.services import attachments, masking, serials, validators


def test_serials_are_sequential_per_prefix_and_year(db):
    assert serials.next_serial("JD", 2026) == "JD-2026-000001"
    assert serials.next_serial("JD", 2026) == "JD-2026-000002"
    assert serials.next_serial("JD", 2027) == "JD-2027-000001"
    assert serials.next_serial("TS", 2026) == "TS-2026-000001"
    db.session.commit()


def test_a_rolled_back_save_gives_its_number_back(db):
    serials.next_serial("JD", 2026)
    db.session.commit()
    serials.next_serial("JD", 2026)
    db.session.rollback()
    assert serials.next_serial("JD", 2026) == "JD-2026-000002"
    db.session.commit()


def test_serials_unique_when_saved_at_the_same_instant(app, db):
    """Eight threads, each its own connection and transaction, ask at once."""
    from portal.extensions import db as _db

    barrier = threading.Barrier(8)
    issued, errors = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(5):
                    issued.append(serials.next_serial("JD", 2026))
                    _db.session.commit()
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
                _db.session.rollback()
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(issued) == 40 and len(set(issued)) == 40
    assert sorted(issued) == [f"JD-2026-{n:06d}" for n in range(1, 41)]


@pytest.mark.parametrize("value, masked", [
    ("110101199003071234", "110101********1234"),
    ("11010119900307123X", "110101********123X"),
    ("", ""), (None, ""),
])
def test_mask_id_number(value, masked):
    assert masking.mask_id_number(value) == masked


@pytest.mark.parametrize("value, masked", [
    ("13812345678", "138****5678"), ("1234", "****"), (None, ""),
    # a landline keeps its area code (seed 000's company is in Urumqi, 0991) and its last 4 digits
    ("0991-1234567", "0991-***4567"), ("010-87654321", "010-****4321"), ("09911234567", "099****4567"),
])
def test_mask_phone(value, masked):
    assert masking.mask_phone(value) == masked


@pytest.mark.parametrize("value, ok", [
    ("13812345678", True), ("+8613812345678", True), ("12812345678", False), ("1381234567", False),
    ("0991-1234567", True), ("010-12345678", True), ("abc", False), ("", False),
    ("１３８１２３４５６７８", True), ("０９９１－１２３４５６７", True),  # typed full width by a Chinese IME
])
def test_phone_format(value, ok):
    assert validators.is_valid_phone(value) is ok


@pytest.mark.parametrize("value, ok", [
    ("11010519491231002X", True), ("11010519491231002x", True), ("110105194912310021", False),
    ("110105194913310028", False), ("1101051949123100", False), ("", False),
    ("１１０１０５１９４９１２３１００２Ｘ", True), ("１１０１０５１９４９１２３１００２ｘ", True),
])
def test_id_number_checksum(value, ok):
    assert validators.is_valid_id_number(value) is ok


@pytest.mark.parametrize("value, stored", [
    ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"), (" 11010519491231002x ", "11010519491231002X"),
])
def test_an_id_number_is_stored_in_ascii_whatever_the_input_method_typed(value, stored):
    assert validators.normalise_id_number(value) == stored


def test_a_phone_is_stored_in_ascii_whatever_the_input_method_typed():
    assert validators.normalise_phone("＋８６ １３８ １２３４ ５６７８") == "13812345678"


def _id_born(born: str) -> str:
    from stdnum.cn import ric

    first17 = f"110101{born}451"
    return first17 + ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize("born, today, ok", [
    ("20261202", date(2026, 12, 2), True),    # born today
    ("20261203", date(2026, 12, 2), False),   # born tomorrow
    ("20300307", date(2026, 12, 2), False),
    ("19900307", date(2026, 12, 2), True),
])
def test_id_number_birth_date_is_not_in_the_future(born, today, ok):
    assert validators.is_valid_id_number(_id_born(born), today=today) is ok


def _with_check_digit(first17: str) -> str:
    from stdnum.cn import ric

    return first17 + ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize("number, problem", [
    # a region code younger than its holder: 天山区 650102 (1983), 浦东新区 310115 (1992), 米东区 650109
    # (2007); stdnum's ric.validate refuses these (the code did not exist in the birth year)
    (_with_check_digit("65010219750312123"), None),
    (_with_check_digit("31011519800101123"), None),
    (_with_check_digit("65010919600101123"), None),
    (_with_check_digit("11010319900101123"), None),  # 崇文区, merged into 东城区 in 2010
    (_with_check_digit("65017119900101123"), None),  # a county code stdnum's list lacks
    (_with_check_digit("83000019900101123"), None),  # 台湾居民居住证
    (_with_check_digit("99999919900101123"), "province"),
    (_with_check_digit("00010119900101123"), "province"),
    (_with_check_digit("11010119901301123"), "birth_date"),
    (_with_check_digit("11010119900230123"), "birth_date"),
    ("11010519491231002X", None), (" 11010519491231002x ", None),
    ("110105194912310021", "check_digit"),
    ("11010519491231002", "format"), ("11010519491231002X1", "format"), ("110105-19491231002X", "format"),
    ("", "format"), (None, "format"),
])
def test_id_number_problem_names_what_is_wrong(number, problem):
    assert validators.id_number_problem(number, today=date(2026, 12, 2)) == problem
    assert validators.is_valid_id_number(number, today=date(2026, 12, 2)) is (problem is None)
    if problem:
        assert validators.ID_NUMBER_PROBLEMS[problem]


@pytest.mark.parametrize("head, kind", [
    (b"%PDF-1.7\n", "application/pdf"), (b"\xff\xd8\xff\xe0", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"<html><script>", None), (b"MZ\x90\x00", None),
])
def test_uploads_are_judged_by_content(head, kind):
    found = attachments.sniff(head)
    assert (found[0] if found else None) == kind


def test_upload_too_large_or_wrong_type_is_rejected(app, db):
    app.config["MAX_ATTACHMENT_BYTES"] = 1024
    try:
        big = FileStorage(io.BytesIO(b"%PDF-" + b"x" * 2000), filename="a.pdf")
        with pytest.raises(attachments.AttachmentRejected):
            attachments.store(big, owner_type="test", owner_id=1)
        exe = FileStorage(io.BytesIO(b"MZ\x90\x00" * 10), filename="letter.pdf")
        with pytest.raises(attachments.AttachmentRejected):
            attachments.store(exe, owner_type="test", owner_id=1)
        ok = FileStorage(io.BytesIO(b"%PDF-1.4 small"), filename="../../etc/passwd.pdf")
        att = attachments.store(ok, owner_type="test", owner_id=1)
        assert att.filename == "passwd.pdf" and "/" not in att.stored_name and att.content_type == "application/pdf"
        db.session.commit()
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024
