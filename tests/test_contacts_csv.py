"""Contacts CSV: import (API and command line) with per-row reports, and export."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Account, assert_problem, join, signup
from tests.harness import run_cli
from tests.test_contacts import create, define, listed

HEADER = ["name", "email", "phone", "language", "tags", "attr.score", "attr.vip"]


def to_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(account: Account, data: bytes, content_type: str = "text/csv") -> httpx.Response:
    return account.request(
        "POST",
        account.ws("/contacts/import"),
        content=data,
        headers={"content-type": content_type},
    )


def imported(account: Account, data: bytes) -> dict[str, Any]:
    response = upload(account, data)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def all_contacts(account: Account) -> list[dict[str, Any]]:
    contacts: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = account.request("GET", account.ws("/contacts"), params=params).json()
        contacts += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return contacts


def comparable(contacts: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            *(c[k] or "" for k in ("name", "email", "phone", "language")),
            tuple(c["tags"]),
            repr(sorted(c["attributes"].items())),
        )
        for c in contacts
    )


def generated(count: int, bad: dict[int, tuple[int, str]]) -> list[list[str]]:
    """`count` contact rows; `bad` maps a row index to (column index, bad value)."""
    rows = [HEADER]
    for i in range(count):
        row = [
            f"客户 {i}",
            f"person{i}@example.com",
            f"+86138{i:08d}",
            "zh-CN" if i % 2 else "en",
            "import;batch" if i % 3 else "import|vip",
            str(i),
            "true" if i % 2 else "false",
        ]
        if i in bad:
            column, value = bad[i]
            row[column] = value
        rows.append(row)
    return rows


def test_a_thousand_rows_with_three_bad_ones(owner: Account) -> None:
    define(owner)
    bad = {9: (1, "not-an-email"), 499: (2, "+86 12"), 998: (5, "lots")}
    data = to_csv(generated(1000, bad))
    started = time.perf_counter()
    report = imported(owner, data)
    elapsed = time.perf_counter() - started
    assert (report["created"], report["updated"], report["failed"]) == (997, 0, 3)
    errors = [(e["row"], e["column"]) for e in report["errors"]]
    # Rows as a spreadsheet numbers them: the header is row 1.
    assert errors == [(11, "email"), (501, "phone"), (1000, "attr.score")]
    messages = [e["message"] for e in report["errors"]]
    assert "not a valid email address" in messages[0]
    assert "phone number" in messages[1]
    assert "'lots' is not a number" in messages[2]

    contacts = all_contacts(owner)
    assert len(contacts) == 997
    stored = {c["email"] for c in contacts}
    assert "person10@example.com" in stored
    assert {"not-an-email", "person499@example.com", "person998@example.com"}.isdisjoint(stored)
    sample = next(c for c in contacts if c["email"] == "person3@example.com")
    assert sample["name"] == "客户 3"
    assert sample["phone"] == "+8613800000003"
    assert sample["tags"] == ["import", "vip"]
    assert sample["attributes"] == {"score": 3, "vip": True}
    # Generous: a regression to per-row transactions or queries takes far longer.
    assert elapsed < 30, f"1,000 rows took {elapsed:.1f}s"

    # The export pages through them all (several pages), newest first.
    exported = owner.request("GET", owner.ws("/contacts/export")).text
    rows = list(csv.reader(io.StringIO(exported, newline="")))
    assert len(rows) == 1 + 997
    assert len({r[1] for r in rows[1:]}) == 997


def test_rows_upsert_by_email_then_phone(owner: Account) -> None:
    define(owner)
    by_email = create(owner, name="Ann", email="Ann@Example.com", tags=["old"])
    by_phone = create(owner, name="Bob", phone="+442071838750", attributes={"score": 1})
    data = to_csv(
        [
            HEADER,
            ["Ann Lee", "ann@example.com", "", "en", "new", "5", ""],
            ["", "", "+44 20 7183 8750", "", "", "", "true"],
            ["Cy", "cy@example.com", "", "", "", "", ""],
            ["Cy Again", "CY@example.com", "", "", "x", "", ""],
            ["Nobody", "", "", "", "", "", ""],
        ]
    )
    report = imported(owner, data)
    assert (report["created"], report["updated"], report["failed"]) == (2, 3, 0)
    ann = owner.request("GET", owner.ws(f"/contacts/{by_email['id']}")).json()
    # Matched case-insensitively; the row's non-empty cells overwrite.
    assert (ann["name"], ann["email"], ann["language"]) == ("Ann Lee", "ann@example.com", "en")
    assert ann["tags"] == ["new", "old"]
    assert ann["attributes"] == {"score": 5}
    bob = owner.request("GET", owner.ws(f"/contacts/{by_phone['id']}")).json()
    assert bob["name"] == "Bob"  # empty cells change nothing
    assert bob["attributes"] == {"score": 1, "vip": True}
    cys = [c for c in listed(owner) if (c["email"] or "").lower() == "cy@example.com"]
    assert [(c["name"], c["tags"]) for c in cys] == [("Cy Again", ["x"])]
    assert len(listed(owner)) == 4


def test_row_problems_are_reported_with_their_columns(owner: Account) -> None:
    define(owner)
    data = to_csv(
        [
            ["name", "email", "attr.interests", "attr.birthday", "tags"],
            ["Ok", "ok@example.com", "tea|茶", "1990-02-03", "a"],
            ["", "", "", "", ""],  # blank lines are skipped, not reported
            ["Bad list", "", "chess", "", ""],
            ["Bad date", "", "", "03/02/1990", ""],
            ["Two", "two@", "", "31/31/2000", ""],
            ["", "", "", "", "only-tags"],
            ["Too", "many", "cells", "", "", "extra"],
        ]
    )
    report = imported(owner, data)
    assert (report["created"], report["failed"]) == (1, 5)
    found = [(e["row"], e["column"]) for e in report["errors"]]
    assert found == [
        (4, "attr.interests"),
        (5, "attr.birthday"),
        (6, "email"),
        (6, "attr.birthday"),
        (7, None),
        (8, None),
    ]
    assert "chess not among the options" in report["errors"][0]["message"]
    assert [c["attributes"] for c in listed(owner)] == [
        {"interests": ["tea", "茶"], "birthday": "1990-02-03"}
    ]


def test_files_that_cannot_be_imported(owner: Account, client: httpx.Client) -> None:
    define(owner)
    cases = [
        (b"", 422, "contacts.csv_invalid"),
        (b"name,colour\nAnn,red\n", 422, "contacts.csv_invalid"),
        (b"name,name\nAnn,Ann\n", 422, "contacts.csv_invalid"),
        (b"name,attr.colour\nAnn,red\n", 422, "contacts.unknown_attribute"),
        ("name\n李雷\n".encode("gb18030"), 422, "contacts.csv_invalid"),
        (b'name\n"unterminated\n', 422, "contacts.csv_invalid"),
    ]
    for data, status, code in cases:
        assert_problem(upload(owner, data), status, code)
    assert_problem(upload(owner, b"name\nAnn\n", "application/json"), 415, "unsupported_media_type")
    too_big = b"name\n" + b"x" * (10 * 1024 * 1024)
    assert_problem(upload(owner, too_big), 413, "payload_too_large")
    assert listed(owner) == []
    viewer = join(owner, "viewer")
    assert_problem(upload(viewer, b"name\nAnn\n"), 403, "workspaces.permission_denied")
    stranger = signup(client, "stranger")
    foreign = stranger.request(
        "POST",
        owner.ws("/contacts/import"),
        content=b"name\nAnn\n",
        headers={"content-type": "text/csv"},
    )
    assert_problem(foreign, 404, "not_found")
    assert listed(owner) == []


def test_export_round_trip(owner: Account, client: httpx.Client) -> None:
    define(owner)
    create(
        owner,
        name="李雷",
        email="li@example.com",
        phone="+8613912345678",
        language="zh-CN",
        tags=["大客户", "vip"],
        attributes={
            "plan": '金牌, "quoted"',
            "score": 2.5,
            "birthday": "1990-02-03",
            "vip": True,
            "interests": ["茶", "golf"],
        },
    )
    create(owner, name="Multi\nline", attributes={"score": 10, "vip": False})
    create(owner, email="only@example.com")
    exported = owner.request("GET", owner.ws("/contacts/export"))
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in exported.headers["content-disposition"]
    text = exported.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [
        "name",
        "email",
        "phone",
        "language",
        "tags",
        "attr.birthday",
        "attr.interests",
        "attr.plan",
        "attr.score",
        "attr.vip",
    ]
    assert len(rows) == 4
    assert rows[3][:5] == ["李雷", "li@example.com", "+8613912345678", "zh-CN", "vip;大客户"]

    filtered = owner.request("GET", owner.ws("/contacts/export"), params={"tag": "vip"})
    assert len(list(csv.reader(io.StringIO(filtered.text, newline="")))) == 2
    bad_filter = owner.request("GET", owner.ws("/contacts/export"), params={"attribute": "x"})
    assert_problem(bad_filter, 422, "contacts.invalid_filter")
    with_bom = owner.request("GET", owner.ws("/contacts/export"), params={"bom": "true"})
    assert with_bom.content.startswith("\ufeffname,".encode())

    other = signup(client, "other")
    define(other)
    report = imported(other, with_bom.content)
    assert (report["created"], report["failed"]) == (3, 0)
    assert comparable(all_contacts(other)) == comparable(all_contacts(owner))


# The command line, against a throwaway database of its own.


def test_command_line_import_and_export(cli_env: dict[str, str], tmp_path: Path) -> None:
    created = run_cli(
        {**cli_env, "RELAYDESK_OWNER_PASSWORD": "operator password"},
        "create-workspace",
        "--email",
        "op@example.com",
        "--name",
        "Op",
        "--workspace",
        "W",
    )
    assert created.returncode == 0, created.stderr
    found = re.search(r"\(([0-9a-f-]{36})\)", created.stderr)
    assert found, created.stderr
    workspace = found.group(1)

    good = tmp_path / "good.csv"
    good.write_bytes(to_csv([["name", "email", "tags"], ["王芳", "wang@example.com", "a|b"]]))
    ok = run_cli(cli_env, "contacts", "import", str(good), "--workspace", workspace)
    assert ok.returncode == 0, ok.stderr
    assert "1 created, 0 updated, 0 failed" in ok.stderr
    assert not (tmp_path / "good.csv.errors.csv").exists()

    rows = [["name", "email", "phone"]]
    rows += [[f"P{i}", f"p{i}@example.com", ""] for i in range(50)]
    rows[11][1] = "broken@"
    rows[31][2] = "+1 000"
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(to_csv(rows))
    result = run_cli(cli_env, "contacts", "import", str(mixed), "--workspace", workspace)
    assert result.returncode == 1, result.stderr
    assert "48 created, 0 updated, 2 failed" in result.stderr
    assert "row 12, email:" in result.stderr
    assert "row 32, phone:" in result.stderr
    report = (tmp_path / "mixed.csv.errors.csv").read_text(encoding="utf-8")
    report_rows = list(csv.reader(io.StringIO(report, newline="")))
    assert report_rows[0] == ["row", "column", "message"]
    assert [(r[0], r[1]) for r in report_rows[1:]] == [("12", "email"), ("32", "phone")]

    out = tmp_path / "out.csv"
    exported = run_cli(
        cli_env, "contacts", "export", "--workspace", workspace, "--output", str(out)
    )
    assert exported.returncode == 0, exported.stderr
    lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert lines[0] == ["name", "email", "phone", "language", "tags"]
    assert len(lines) == 1 + 49
    assert ["王芳", "wang@example.com", "", "", "a;b"] in lines
    to_stdout = run_cli(cli_env, "contacts", "export", "--workspace", workspace)
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert "王芳" in to_stdout.stdout

    unknown = run_cli(
        cli_env,
        "contacts",
        "import",
        str(good),
        "--workspace",
        "00000000-0000-0000-0000-000000000000",
    )
    assert unknown.returncode == 1
    assert "workspace was not found" in unknown.stderr
    bad_file = tmp_path / "bad.csv"
    bad_file.write_bytes(b"name,colour\nAnn,red\n")
    refused = run_cli(cli_env, "contacts", "import", str(bad_file), "--workspace", workspace)
    assert refused.returncode == 1
    assert "unknown column 'colour'" in refused.stderr


def test_formula_cells_are_neutralised_and_round_trip(owner: Account, client: httpx.Client) -> None:
    create(owner, name='=HYPERLINK("http://evil.example","x")', phone="+8613912345678")
    exported = owner.request("GET", owner.ws("/contacts/export")).content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(exported, newline="")))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[1][2] == "+8613912345678"  # a phone number is not a formula
    other = signup(client, "formula")
    imported = other.request(
        "POST",
        other.ws("/contacts/import"),
        content=exported.encode(),
        headers={"content-type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    names = [c["name"] for c in other.request("GET", other.ws("/contacts")).json()["items"]]
    assert names == ['=HYPERLINK("http://evil.example","x")']
