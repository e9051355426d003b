"""Same-run baselines for exports: the rows Depot exports, written by XlsxWriter (constant_memory) or csv."""
import csv
import sqlite3
import sys
import time

import xlsxwriter

db, fmt, out = sys.argv[1], sys.argv[2], sys.argv[3]
columns = ["id", "mall_id", "material_type", "origin_filename", "format", "size", "width", "height", "base_path", "created_at"]
rows = sqlite3.connect(db).execute(f"SELECT {', '.join(columns)} FROM materials ORDER BY created_at, id")
started = time.monotonic()
if fmt == "csv":
    with open(out, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
else:
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, columns)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    book.close()
print(f"{time.monotonic() - started:.3f}")
