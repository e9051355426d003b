"""Streamed exports read back with real readers: openpyxl, xlrd, csv, unzip -t."""
import csv
import datetime
import io
import json
import sqlite3
import subprocess
import tempfile
import urllib.parse

import openpyxl
import pytest
import xlrd

from conftest import start_stack

COLUMNS = ["id", "mall_id", "material_type", "origin_filename", "format", "size", "width", "height", "base_path", "created_at"]


def seed(stack, rows, mall_id=1, start=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc), names=None):
    """Inserts materials rows (with their files rows) straight into the instance's database."""
    db = stack.db()
    with db:
        for index in range(rows):
            created = (start + datetime.timedelta(seconds=index)).strftime("%Y-%m-%dT%H:%M:%SZ")
            file_id = f"seed-{mall_id}-{start.timestamp():.0f}-{index}"
            name = names[index % len(names)] if names else f"img{index}.png"
            path = f"/mall/2026-01-01/{file_id}.png"
            db.execute("INSERT INTO files (id, namespace, path, origin_filename, size, sha256, content_type, format, width, height, created_at) "
                       "VALUES (?, 'mall', ?, ?, 1234, 'x', 'image/png', 'png', 10, 20, ?)", (file_id, path, name, created))
            db.execute("INSERT INTO materials (mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at) "
                       "VALUES (?, 0, ?, ?, 10, 20, 1234, ?, 'png', ?)", (mall_id, file_id, path, name, created))
    db.close()


@pytest.fixture(scope="module")
def reports():
    started, stop = start_stack(prefix="depot-e2e-exports-")
    seed(started, 25, mall_id=7, names=["报表 90%.png", "=cmd|' /C calc'!A0", "a,b\"c\nd", "  spaced  ", "plain.jpg"])
    seed(started, 5, mall_id=8, start=datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc))
    yield started
    stop()


def export(stack, **params):
    return stack.request("GET", "/api/reports/export?" + urllib.parse.urlencode(params), timeout=300)


def test_xlsx_round_trip_with_openpyxl_and_unzip(reports):
    r = export(reports, start_time="2026-01-01", end_time="2026-01-02", mall_id=7)
    assert r.status == 200
    assert r.header("Content-Type") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.header("Content-Disposition") == ("attachment; filename=\"materials_2026-01-01_2026-01-02.xlsx\"; "
                                               "filename*=UTF-8''materials_2026-01-01_2026-01-02.xlsx")
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        f.write(r.body)
        f.flush()
        check = subprocess.run(["unzip", "-t", f.name], capture_output=True, text=True)
        assert check.returncode == 0 and "No errors detected" in check.stdout, check.stdout
    book = openpyxl.load_workbook(io.BytesIO(r.body))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 26
    first = rows[1]
    assert first[1] == 7 and first[2] == 0 and first[5] == 1234 and isinstance(first[0], int)
    assert first[3] == "报表 90%.png"
    assert isinstance(first[9], datetime.datetime)
    assert {row[3] for row in rows[1:6]} == {"报表 90%.png", "=cmd|' /C calc'!A0", "a,b\"c\nd", "  spaced  ", "plain.jpg"}
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    assert sheet.column_dimensions["D"].width > 20


def test_csv_round_trip_with_bom_and_neutralised_formulas(reports):
    r = export(reports, start_time="2026-01-01T00:00:00Z", end_time="2026-01-01 00:00:25", format="csv", mall_id=7, filename="月报")
    assert r.status == 200
    assert r.header("Content-Type") == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''%E6%9C%88%E6%8A%A5.csv" in r.header("Content-Disposition")
    assert r.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"), newline="")))
    assert rows[0] == COLUMNS
    names = [row[3] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in names
    assert "a,b\"c\nd" in names and "报表 90%.png" in names
    assert rows[1][9].endswith("Z")


def test_xls_round_trip_with_xlrd(reports):
    r = export(reports, start_time="2026-01-01", end_time="2026-03-01", format="xls")
    assert r.status == 200 and r.header("Content-Type") == "application/vnd.ms-excel"
    book = xlrd.open_workbook(file_contents=r.body)
    sheet = book.sheet_by_index(0)
    assert sheet.row_values(0) == COLUMNS
    assert sheet.nrows == 31
    assert sheet.cell_value(1, 3) == "报表 90%.png"
    assert sheet.cell_type(1, 9) == xlrd.XL_CELL_DATE
    assert xlrd.xldate_as_datetime(sheet.cell_value(1, 9), book.datemode).year == 2026
    assert {sheet.cell_value(row, 1) for row in range(1, 31)} == {7.0, 8.0}


def test_empty_reports_are_valid_files(reports):
    for fmt in ["xlsx", "csv", "xls"]:
        r = export(reports, start_time="2030-01-01", end_time="2030-01-02", format=fmt)
        assert r.status == 200, fmt
        if fmt == "xlsx":
            rows = list(openpyxl.load_workbook(io.BytesIO(r.body)).active.iter_rows(values_only=True))
            assert rows == [tuple(COLUMNS)]
        elif fmt == "csv":
            assert r.body.decode("utf-8-sig").splitlines() == [",".join(COLUMNS)]
        else:
            sheet = xlrd.open_workbook(file_contents=r.body).sheet_by_index(0)
            assert sheet.nrows == 1 and sheet.row_values(0) == COLUMNS


def test_post_json_and_validation(reports):
    body = json.dumps({"start_time": "2026-01-01", "end_time": "2026-01-02", "format": "csv", "mall_id": 7}).encode()
    r = reports.request("POST", "/api/reports/export", body=body, headers={"Content-Type": "application/json"})
    assert r.status == 200 and r.body.decode("utf-8-sig").count("\r\n") == 26
    missing = export(reports, start_time="2026-01-01")
    assert missing.status == 400 and missing.json == {"code": 40000, "msg": "required parameters missing", "data": None}
    assert "start_time is not a time" in export(reports, start_time="yesterday", end_time="2026-01-02").json["msg"]
    assert export(reports, start_time="2026-02-31", end_time="2026-03-02").status == 400
    assert export(reports, start_time="2026-01-03", end_time="2026-01-02").json["msg"] == "start_time is after end_time"
    assert export(reports, start_time="2026-01-01", end_time="2026-01-02", format="pdf").status == 400
    assert export(reports, start_time="2026-01-01", end_time="2026-01-02", mall_id="x").status == 400


def test_xls_rolls_over_to_a_new_sheet_every_65536_rows():
    started, stop = start_stack(prefix="depot-e2e-rollover-")
    try:
        seed(started, 70_000, mall_id=3)
        r = export(started, start_time="2026-01-01", end_time="2026-01-02", format="xls")
        assert r.status == 200
        book = xlrd.open_workbook(file_contents=r.body)
        assert book.nsheets == 2
        first, second = book.sheet_by_index(0), book.sheet_by_index(1)
        assert first.nrows == 65_536 and second.nrows == 70_000 - 65_535 + 1
        assert second.row_values(0) == COLUMNS
        ids = [int(first.cell_value(row, 0)) for row in (1, 65_535)] + [int(second.cell_value(1, 0))]
        assert ids[1] + 1 == ids[2]
        xlsx = export(started, start_time="2026-01-01", end_time="2026-01-02", format="xlsx")
        # A streamed sheet has no <dimension> (the row count is not known up front): count the rows.
        rows = sum(1 for _ in openpyxl.load_workbook(io.BytesIO(xlsx.body), read_only=True).active.iter_rows(values_only=True))
        assert rows == 70_001
    finally:
        stop()


def test_openapi_declares_the_spreadsheet_types(reports):
    spec = reports.request("GET", "/api/openapi.json").json
    content = spec["paths"]["/api/reports/export"]["get"]["responses"]["200"]["content"]
    assert {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv; charset=utf-8", "application/vnd.ms-excel"} <= set(content)
    assert "security" not in spec["paths"]["/api/reports/export"]["post"]


def test_a_client_that_disconnects_stops_the_export():
    import http.client
    import time
    started, stop = start_stack(prefix="depot-e2e-disconnect-")
    try:
        seed(started, 300_000, mall_id=4)
        host, port = started.base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        began = time.monotonic()
        conn.request("GET", "/api/reports/export?start_time=2026-01-01&end_time=2026-01-05&format=csv")
        response = conn.getresponse()
        assert response.status == 200
        first = response.read(64 * 1024)
        first_byte = time.monotonic() - began
        assert first.startswith(b"\xef\xbb\xbf")
        conn.close()  # the client goes away after 64 KiB of a report of ~25 MB
        deadline = time.monotonic() + 10
        while "connection cut" not in started.log and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "connection cut" in started.log, started.log[-1000:]
        metrics = started.request("GET", "/api/metrics").body.decode()
        assert "depot_requests_in_flight 1" in metrics
        assert started.request("GET", "/api/healthz").status == 200
        assert first_byte < 5
    finally:
        stop()
