import { FileOutlined, LinkOutlined, PictureOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Button, Image, Space, Typography, theme } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { api, ApiError } from "../../api/client";
import { formatSize } from "./composer";

/** A message's files: images as thumbnails that open in a preview, other files as downloads. */

export interface AttachmentRef {
  id: string | null;
  filename: string;
  content_type: string;
  size: number | null;
  /** Inbound links recorded as given (never fetched by the server). */
  url?: string;
}

/** The attachments a message payload lists, read defensively (payload is free-form JSON). */
export function attachmentsOf(payload: Record<string, unknown>): AttachmentRef[] {
  const raw = payload.attachments;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry): AttachmentRef[] => {
    if (!entry || typeof entry !== "object") return [];
    const e = entry as Record<string, unknown>;
    const id = typeof e.id === "string" ? e.id : null;
    const url = typeof e.url === "string" ? e.url : undefined;
    if (!id && !url) return [];
    return [
      {
        id,
        url,
        filename: typeof e.filename === "string" && e.filename ? e.filename : "file",
        content_type: typeof e.content_type === "string" ? e.content_type : "application/octet-stream",
        size: typeof e.size === "number" ? e.size : null,
      },
    ];
  });
}

/** The file's bytes: the download needs the sign-in, so an <img src> cannot fetch it itself. */
async function fetchAttachment(workspaceId: string, attachmentId: string, signal?: AbortSignal): Promise<Blob> {
  const { data, response } = await api.GET("/api/v1/workspaces/{workspace_id}/attachments/{attachment_id}", {
    params: { path: { workspace_id: workspaceId, attachment_id: attachmentId } },
    parseAs: "blob",
    signal,
  });
  if (!response.ok || !(data instanceof Blob)) throw new ApiError({ status: response.status });
  return data;
}

/** An object URL for the blob while the component lives; revoked after. */
function useObjectUrl(blob: Blob | undefined): string | undefined {
  const url = useMemo(() => (blob ? URL.createObjectURL(blob) : undefined), [blob]);
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);
  return url;
}

function Thumbnail({ workspaceId, attachment }: { workspaceId: string; attachment: AttachmentRef }) {
  const { t } = useTranslation("inbox");
  const { token } = theme.useToken();
  const blob = useQuery({
    queryKey: ["attachment", workspaceId, attachment.id],
    enabled: attachment.id !== null,
    queryFn: ({ signal }) => fetchAttachment(workspaceId, attachment.id ?? "", signal),
    staleTime: Infinity, // an attachment's bytes never change
    gcTime: 5 * 60_000,
  });
  const url = useObjectUrl(blob.data) ?? attachment.url;
  const box = { width: 160, height: 120, borderRadius: token.borderRadius };
  if (!url) {
    return (
      <div
        role="img"
        aria-label={attachment.filename}
        style={{ ...box, display: "grid", placeItems: "center", background: token.colorFillTertiary, color: token.colorTextSecondary }}
      >
        {blob.isError ? <Typography.Text type="danger">{t("chat2.imageFailed")}</Typography.Text> : <PictureOutlined />}
      </div>
    );
  }
  return (
    <Image
      src={url}
      alt={attachment.filename}
      width={160}
      height={120}
      style={{ objectFit: "cover", borderRadius: token.borderRadius }}
      preview={{ mask: t("chat2.openImage") }}
    />
  );
}

function FileLink({ workspaceId, attachment }: { workspaceId: string; attachment: AttachmentRef }) {
  const { t } = useTranslation("inbox");
  const [state, setState] = useState<"idle" | "loading" | "failed">("idle");
  const label = attachment.size === null ? attachment.filename : `${attachment.filename} · ${formatSize(attachment.size)}`;

  async function download() {
    if (!attachment.id) return;
    setState("loading");
    try {
      const url = URL.createObjectURL(await fetchAttachment(workspaceId, attachment.id));
      const anchor = document.createElement("a");
      anchor.href = url;
      anchor.download = attachment.filename;
      anchor.click();
      // The click starts the download at once; the URL can go a moment later.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setState("idle");
    } catch {
      setState("failed");
    }
  }

  if (!attachment.id) {
    return (
      <Typography.Link href={attachment.url} target="_blank" rel="noopener noreferrer">
        <LinkOutlined /> {label}
      </Typography.Link>
    );
  }
  return (
    <span>
      <Button
        type="link"
        size="small"
        icon={<FileOutlined />}
        loading={state === "loading"}
        onClick={() => void download()}
        aria-label={t("chat2.download", { name: attachment.filename })}
        style={{ paddingInline: 0, height: "auto", whiteSpace: "normal", textAlign: "start" }}
      >
        {label}
      </Button>
      {state === "failed" && (
        <Typography.Text type="danger" style={{ fontSize: 12, display: "block" }}>
          {t("chat2.downloadFailed")}
        </Typography.Text>
      )}
    </span>
  );
}

export function Attachments({ workspaceId, attachments }: { workspaceId: string; attachments: AttachmentRef[] }) {
  const images = attachments.filter((a) => a.content_type.startsWith("image/"));
  const files = attachments.filter((a) => !a.content_type.startsWith("image/"));
  return (
    <div style={{ display: "flex", flexDirection: "column", gap: 4, marginBottom: 4 }}>
      {images.length > 0 && (
        <Image.PreviewGroup>
          <Space wrap size={4}>
            {images.map((a, i) => (
              <Thumbnail key={a.id ?? `${a.url}-${i}`} workspaceId={workspaceId} attachment={a} />
            ))}
          </Space>
        </Image.PreviewGroup>
      )}
      {files.map((a, i) => (
        <FileLink key={a.id ?? `${a.url}-${i}`} workspaceId={workspaceId} attachment={a} />
      ))}
    </div>
  );
}
