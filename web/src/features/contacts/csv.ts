import type { Schemas } from "../../api/client";

export type ImportReport = Schemas["ImportReport"];
export type RowError = Schemas["RowError"];

/** The columns the import reads (src/relaydesk/domains/contacts/csv_io.py), besides `attr.<key>`. */
export const CSV_COLUMNS = ["name", "email", "phone", "language", "tags"] as const;
export const ATTRIBUTE_PREFIX = "attr.";
/** The server refuses bodies over 10 MB; checked here too so a large file fails before uploading. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

/** One bad row of an import with every reason it was refused, "column: message" where known. */
export interface BadRow {
  row: number;
  reasons: string[];
}

export interface ImportSummary {
  created: number;
  updated: number;
  failed: number;
  rows: BadRow[];
}

/** Groups the report's errors by row (a row may fail for several columns), in file order. */
export function summariseImport(report: ImportReport): ImportSummary {
  const byRow = new Map<number, string[]>();
  for (const error of report.errors ?? []) {
    const reason = error.column ? `${error.column}: ${error.message}` : error.message;
    const reasons = byRow.get(error.row) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    byRow.set(error.row, reasons);
  }
  const rows = [...byRow.entries()].sort(([a], [b]) => a - b).map(([row, reasons]) => ({ row, reasons }));
  return {
    created: report.created ?? 0,
    updated: report.updated ?? 0,
    // `failed` counts rows; an older answer without it still shows the bad rows it lists.
    failed: Math.max(report.failed ?? 0, rows.length),
    rows,
  };
}

function csvCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** The header row to fill in, as the export writes it: the fields, then attribute columns by key. */
export function csvTemplate(attributeKeys: readonly string[] = []): string {
  const header = [...CSV_COLUMNS, ...[...attributeKeys].sort().map((key) => `${ATTRIBUTE_PREFIX}${key}`)];
  return header.map(csvCell).join(",") + "\r\n";
}

/** The bad rows as a CSV (row, reason) to fix them in a spreadsheet. */
export function errorsCsv(rows: readonly BadRow[]): string {
  const lines = [["row", "reason"], ...rows.map((bad) => [String(bad.row), bad.reasons.join("; ")])];
  return lines.map((line) => line.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
