import { Tag } from "antd";
import { useTranslation } from "react-i18next";

import type { Workflow } from "./types";

/** "Draft" or "Published v3". */
export function StatusTag({ workflow }: { workflow: Pick<Workflow, "status" | "published_version"> }) {
  const { t } = useTranslation("automation");
  if (workflow.status === "published")
    return (
      <Tag color="success" data-status="published">
        {t("list.publishedVersion", { version: workflow.published_version ?? "" })}
      </Tag>
    );
  return <Tag data-status={workflow.status}>{t(`list.status.${workflow.status}`, { defaultValue: workflow.status })}</Tag>;
}

const RUN_COLORS: Record<string, string> = {
  pending: "default",
  running: "processing",
  waiting: "warning",
  completed: "success",
  succeeded: "success",
  failed: "error",
  stopped: "default",
  skipped: "default",
};

export function RunStatusTag({ status }: { status: string }) {
  const { t } = useTranslation("automation");
  return <Tag color={RUN_COLORS[status] ?? "default"}>{t(`runStatus.${status}`, { defaultValue: status })}</Tag>;
}
