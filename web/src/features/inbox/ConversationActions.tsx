import { ClockCircleOutlined, FlagOutlined, PlusOutlined, UserAddOutlined } from "@ant-design/icons";
import { App as AntApp, Button, DatePicker, Dropdown, Input, Modal, Select, Tag, Tooltip, theme } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { errorText } from "../../errors";
import { useMe } from "../../session";
import { useMembers } from "../settings/api";
import type { Conversation } from "./cache";
import { useConversationUpdate, type ConversationChange } from "./conversationListActions";
import { snoozePresets } from "./conversationListSnooze";

const STATUS_CHOICES = ["open", "pending", "resolved"] as const;
const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
const UNASSIGNED = "";

/** Assign, status, snooze, labels and priority for one conversation (the chat pane's header). */
export function ConversationActions({ workspaceId, conversation }: { workspaceId: string; conversation: Conversation }) {
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const { message } = AntApp.useApp();
  const me = useMe();
  const myId = me.data?.user.id;
  const members = useMembers(workspaceId);
  const update = useConversationUpdate(workspaceId);
  const [customOpen, setCustomOpen] = useState(false);
  const [customAt, setCustomAt] = useState<Dayjs | null>(null);
  const [adding, setAdding] = useState(false);
  const [newLabel, setNewLabel] = useState("");

  const change = (next: ConversationChange, done?: string) =>
    update.mutate(
      { conversationId: conversation.id, change: next },
      {
        onSuccess: () => done && void message.success(done),
        onError: (error) => void message.error(errorText(t, error)),
      },
    );
  const snooze = (until: Date) =>
    change(
      { kind: "patch", body: { status: "snoozed", snoozed_until: until.toISOString() } },
      t("actions2.snoozedUntil", { time: until.toLocaleString(i18n.language, { dateStyle: "medium", timeStyle: "short" }) }),
    );
  const addLabel = () => {
    const label = newLabel.trim();
    setAdding(false);
    setNewLabel("");
    if (label && !(conversation.labels ?? []).includes(label)) change({ kind: "addLabel", label });
  };

  const memberOptions = [
    { value: UNASSIGNED, label: t("actions2.unassigned") },
    ...(members.data ?? []).map((m) => ({ value: m.user_id, label: m.user_id === myId ? `${m.name} (${t("you")})` : m.name })),
  ];
  // An assignee outside the loaded members (or before they load) still shows as a value.
  const assignee = conversation.assignee_user_id ?? UNASSIGNED;
  const statusOptions = [
    ...(conversation.status === "snoozed" ? [{ value: "snoozed", label: t("translation:conversationStatus.snoozed"), disabled: true }] : []),
    ...STATUS_CHOICES.map((s) => ({ value: s, label: t(`translation:conversationStatus.${s}`) })),
  ];
  const presets = snoozePresets(new Date());

  return (
    <div
      data-testid="conversation-actions"
      style={{ display: "flex", flexWrap: "wrap", alignItems: "center", gap: 8, minWidth: 0 }}
    >
      <Select
        size="small"
        aria-label={t("actions2.assignee")}
        data-testid="assignee-select"
        style={{ minWidth: 140, maxWidth: 200 }}
        showSearch
        optionFilterProp="label"
        loading={members.isPending}
        value={assignee}
        options={memberOptions}
        onChange={(value: string) =>
          change({ kind: "patch", body: { assignee_user_id: value === UNASSIGNED ? null : value } }, t("actions2.saved"))
        }
      />
      {myId && conversation.assignee_user_id !== myId && (
        <Tooltip title={t("actions2.assignToMe")}>
          <Button
            size="small"
            icon={<UserAddOutlined />}
            aria-label={t("actions2.assignToMe")}
            onClick={() => change({ kind: "patch", body: { assignee_user_id: myId } }, t("actions2.assignedToYou"))}
          />
        </Tooltip>
      )}
      <Select
        size="small"
        aria-label={t("actions2.status")}
        data-testid="status-select"
        style={{ minWidth: 110 }}
        value={conversation.status as string}
        options={statusOptions}
        onChange={(status: string) =>
          change(
            { kind: "patch", body: { status: status as (typeof STATUS_CHOICES)[number] } },
            t(`translation:conversationStatus.${status}`),
          )
        }
      />
      <Dropdown
        trigger={["click"]}
        menu={{
          items: [
            { key: "oneHour", label: t("actions2.snoozeOneHour") },
            { key: "tomorrow", label: t("actions2.snoozeTomorrow") },
            { key: "nextWeek", label: t("actions2.snoozeNextWeek") },
            { type: "divider" },
            { key: "custom", label: t("actions2.snoozeCustom") },
          ],
          onClick: ({ key }) => {
            if (key === "custom") setCustomOpen(true);
            else snooze(presets[key as keyof typeof presets]);
          },
        }}
      >
        <Tooltip
          title={
            conversation.status === "snoozed" && conversation.snoozed_until
              ? t("actions2.snoozedUntil", {
                  time: new Date(conversation.snoozed_until).toLocaleString(i18n.language, { dateStyle: "medium", timeStyle: "short" }),
                })
              : t("actions2.snooze")
          }
        >
          <Button size="small" icon={<ClockCircleOutlined />} aria-label={t("actions2.snooze")} />
        </Tooltip>
      </Dropdown>
      <Select
        size="small"
        aria-label={t("actions2.priority")}
        data-testid="priority-select"
        style={{ minWidth: 100 }}
        suffixIcon={<FlagOutlined />}
        value={conversation.priority}
        options={PRIORITIES.map((p) => ({ value: p, label: t(`translation:priority.${p}`) }))}
        onChange={(priority: (typeof PRIORITIES)[number]) => change({ kind: "patch", body: { priority } }, t("actions2.saved"))}
      />
      <span style={{ display: "inline-flex", flexWrap: "wrap", alignItems: "center", gap: 4 }} aria-label={t("actions2.labels")}>
        {(conversation.labels ?? []).map((label) => (
          <Tag
            key={label}
            closable
            style={{ marginInlineEnd: 0 }}
            closeIcon={<span aria-label={t("actions2.removeLabel", { label })}>×</span>}
            onClose={(event) => {
              // The tag stays until the server agrees; the list update removes it.
              event.preventDefault();
              change({ kind: "removeLabel", label });
            }}
          >
            {label}
          </Tag>
        ))}
        {adding ? (
          <Input
            size="small"
            autoFocus
            aria-label={t("actions2.addLabel")}
            maxLength={64}
            style={{ width: 110 }}
            value={newLabel}
            onChange={(event) => setNewLabel(event.target.value)}
            onPressEnter={addLabel}
            onBlur={addLabel}
            onKeyDown={(event) => {
              if (event.key === "Escape") {
                setAdding(false);
                setNewLabel("");
              }
            }}
          />
        ) : (
          <Tag
            role="button"
            tabIndex={0}
            aria-label={t("actions2.addLabel")}
            style={{ borderStyle: "dashed", cursor: "pointer", marginInlineEnd: 0, background: token.colorBgContainer }}
            onClick={() => setAdding(true)}
            onKeyDown={(event) => {
              if (event.key === "Enter" || event.key === " ") {
                event.preventDefault();
                setAdding(true);
              }
            }}
          >
            <PlusOutlined /> {t("actions2.label")}
          </Tag>
        )}
      </span>
      <Modal
        open={customOpen}
        title={t("actions2.snoozeCustomTitle")}
        okText={t("actions2.snooze")}
        okButtonProps={{ disabled: !customAt || customAt.valueOf() <= Date.now() }}
        onCancel={() => setCustomOpen(false)}
        onOk={() => {
          if (customAt) snooze(customAt.toDate());
          setCustomOpen(false);
          setCustomAt(null);
        }}
        destroyOnHidden
      >
        <DatePicker
          showTime={{ format: "HH:mm" }}
          format="YYYY-MM-DD HH:mm"
          aria-label={t("actions2.snoozeCustomTitle")}
          style={{ width: "100%" }}
          value={customAt}
          onChange={(value) => setCustomAt(value)}
          disabledDate={(day) => day.endOf("day").valueOf() < Date.now()}
        />
      </Modal>
    </div>
  );
}
