import { api, ApiError, tokens, type Problem, type Schemas } from "../../api/client";

export type AttachmentOut = Schemas["AttachmentOut"];

function send(workspaceId: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal) {
  // XMLHttpRequest rather than fetch: only it reports upload progress.
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${location.origin}/api/v1/workspaces/${encodeURIComponent(workspaceId)}/attachments`);
    const token = tokens.get()?.access_token;
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON (a proxy's page): the status alone tells
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new TypeError("network error")); // errorText reads TypeError as offline
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort());
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

/** Uploads one file (multipart, part `file`), reporting progress 0…1; an expired sign-in is refreshed once. */
export async function uploadAttachment(
  workspaceId: string,
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<AttachmentOut> {
  let answer = await send(workspaceId, file, onProgress, signal);
  if (answer.status === 401 && (await api.GET("/api/v1/me")).response.ok) {
    // Any authenticated request through the typed client refreshes the token (api/authFetch.ts).
    onProgress(0);
    answer = await send(workspaceId, file, onProgress, signal);
  }
  if (answer.status !== 201) throw new ApiError({ ...((answer.body ?? {}) as Partial<Problem>), status: answer.status });
  return answer.body as AttachmentOut;
}
