import { api, ApiError, tokens, type Problem } from "../../api/client";
import type { ImportReport } from "./csv";

export type UploadPhase = { phase: "uploading"; percent: number } | { phase: "processing" };

interface Answer {
  status: number;
  body: unknown;
}

function send(url: string, file: Blob, token: string | undefined, onPhase: (phase: UploadPhase) => void, signal?: AbortSignal): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    // Windows labels .csv files application/vnd.ms-excel; the server takes text/csv.
    xhr.setRequestHeader("content-type", "text/csv");
    xhr.responseType = "json";
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onPhase({ phase: "uploading", percent: Math.round((event.loaded / event.total) * 100) });
    };
    // Sent: the server now parses and stores the rows, which can take a while for a big file.
    xhr.upload.onload = () => onPhase({ phase: "processing" });
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.response as unknown });
    xhr.onerror = () => reject(new TypeError("network error"));
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    onPhase({ phase: "uploading", percent: 0 });
    xhr.send(file);
  });
}

/**
 * POSTs the file to the import endpoint with XMLHttpRequest, the one browser API that reports
 * upload progress. On a 401 a cheap request through the typed client lets its fetch refresh the
 * tokens (the one refresh path), then the upload is sent once more with the new access token.
 */
export async function uploadContactsCsv(
  workspaceId: string,
  file: Blob,
  onPhase: (phase: UploadPhase) => void,
  signal?: AbortSignal,
): Promise<ImportReport> {
  const url = `${location.origin}/api/v1/workspaces/${encodeURIComponent(workspaceId)}/contacts/import`;
  const sent = tokens.get()?.access_token;
  let answer = await send(url, file, sent, onPhase, signal);
  if (answer.status === 401 && sent) {
    await api.GET("/api/v1/me").catch(() => undefined);
    const fresh = tokens.get()?.access_token;
    if (fresh && fresh !== sent) answer = await send(url, file, fresh, onPhase, signal);
  }
  if (answer.status < 200 || answer.status >= 300) {
    const problem = (answer.body ?? {}) as Partial<Problem>;
    throw new ApiError({ ...problem, status: answer.status });
  }
  return answer.body as ImportReport;
}
