import { CloseOutlined, MessageOutlined, PaperClipOutlined, SendOutlined, SmileOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Input, Popover, Progress, Space, Switch, Tooltip, Typography, theme } from "antd";
import type { TextAreaRef } from "antd/es/input/TextArea";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";

import { api, ApiError, unwrap } from "../../api/client";
import { useMe } from "../../session";
import { messagesKey, PENDING_PREFIX, removeMessage, upsertMessage, type MessagesPage } from "./cache";
import { CannedPicker, useCannedChoices } from "./CannedPicker";
import { formatSize, isSendKey, messageTypeFor, ONE_ATTACHMENT_TYPES, pickerKey, slashQuery } from "./composer";
import { sendErrorText } from "./composerErrors";
import { uploadAttachment, type AttachmentOut } from "./composerUpload";
import { clearDraft, loadDraft, saveDraft } from "./drafts";
import { EMOJI, insertAt } from "./emoji";
import type { Message } from "./realtime";
import { TemplatePicker } from "./TemplatePicker";
import { useTypingSender } from "./typingHooks";
import { useInboxRealtime } from "./useRealtime";

const PATH = "/api/v1/workspaces/{workspace_id}/conversations/{conversation_id}" as const;

/** A file being uploaded (progress 0…1) or uploaded (`done`), or failed. */
interface Upload {
  key: string;
  file: File;
  progress: number;
  done?: AttachmentOut;
  error?: unknown;
  abort: AbortController;
}

interface SendInput {
  text: string;
  note: boolean;
  replyTo: string | null;
  pendingId: string;
  attachments: AttachmentOut[];
}

export interface ComposerProps {
  workspaceId: string;
  conversationId: string;
  channelId: string;
  /** The channel's type (`telegram`, `whatsapp_cloud`, …) once known. */
  channelType?: string;
  /** When WhatsApp's reply window closed (in the past), else null: only templates can go out. */
  windowClosedAt: Date | null;
  replyTo: Message | null;
  onReplyDone: () => void;
}

export function Composer({ workspaceId, conversationId, channelId, channelType, windowClosedAt, replyTo, onReplyDone }: ComposerProps) {
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const queryClient = useQueryClient();
  const me = useMe();
  const { client } = useInboxRealtime();
  const typing = useTypingSender(client, conversationId);
  const [text, setText] = useState(() => loadDraft(conversationId));
  const [note, setNote] = useState(false);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [emojiOpen, setEmojiOpen] = useState(false);
  // The canned picker: opened by a leading `/` (query from the draft) or by its button (own search box).
  const [cannedDismissed, setCannedDismissed] = useState(false);
  const [cannedSearch, setCannedSearch] = useState<string | null>(null);
  const [cannedActive, setCannedActive] = useState(0);
  // The server said the window is closed though the conversation did not (yet) say so.
  const [refusedWindow, setRefusedWindow] = useState(false);
  const input = useRef<TextAreaRef>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const key = messagesKey(workspaceId, conversationId);

  useEffect(() => saveDraft(conversationId, text), [conversationId, text]);
  // Leaving the conversation (or the page) stops the typing line others see.
  useEffect(() => typing.stopped, [typing.stopped]);

  const slash = slashQuery(text);
  const cannedQuery = cannedSearch ?? slash ?? "";
  const cannedOpen = cannedSearch !== null || (slash !== null && !cannedDismissed);
  const canned = useCannedChoices(workspaceId, cannedQuery, cannedOpen);
  useEffect(() => setCannedActive(0), [cannedQuery]);

  const templatesOnly = (windowClosedAt !== null || refusedWindow) && !note;
  const oneFile = channelType !== undefined && ONE_ATTACHMENT_TYPES.has(channelType);
  const uploading = uploads.some((u) => !u.done && !u.error);
  const ready = uploads.filter((u) => u.done).map((u) => u.done as AttachmentOut);

  const send = useMutation({
    mutationFn: async (input: SendInput) => {
      const path = { workspace_id: workspaceId, conversation_id: conversationId };
      if (input.note) return unwrap(await api.POST(`${PATH}/notes`, { params: { path }, body: { text: input.text } }));
      const types = new Set(input.attachments.map((a) => messageTypeFor(a.content_type)));
      // One media type for all files, else a plain file message (the server checks the fit).
      const type = input.attachments.length === 0 ? "text" : types.size === 1 ? [...types][0] : "file";
      return unwrap(
        await api.POST(`${PATH}/messages`, {
          params: { path },
          body: {
            // The id chosen here: the copy realtime brings takes the pending one's place.
            id: input.pendingId.slice(PENDING_PREFIX.length),
            type,
            text: input.text || null,
            attachment_ids: input.attachments.map((a) => a.id),
            reply_to_message_id: input.replyTo,
          },
        }),
      );
    },
    // Shown at once as queued; the server's answer, then realtime, take over.
    onMutate: (input) => {
      const pending: Message = {
        id: input.pendingId,
        conversation_id: conversationId,
        seq: Number.MAX_SAFE_INTEGER,
        direction: input.note ? "internal" : "out",
        sender_type: "user",
        sender_id: me.data?.user.id ?? null,
        type: input.note ? "note" : input.attachments.length ? messageTypeFor(input.attachments[0].content_type) : "text",
        text: input.text || null,
        payload: input.attachments.length
          ? { attachments: input.attachments.map(({ id, filename, content_type, size }) => ({ id, filename, content_type, size })) }
          : {},
        external_id: null,
        status: input.note ? null : "queued",
        error: null,
        reply_to_message_id: input.replyTo,
        created_at: new Date().toISOString(),
        edited_at: null,
        recalled_at: null,
      };
      queryClient.setQueryData<MessagesPage>(key, (page) => upsertMessage(page, pending));
    },
    onSuccess: (message, input) => {
      // Realtime may have delivered it already, in a later state: keep that one.
      queryClient.setQueryData<MessagesPage>(key, (page) =>
        page?.items.some((m) => m.id === message.id) ? removeMessage(page, input.pendingId) : upsertMessage(page, message, input.pendingId),
      );
    },
    onError: (error, input) => {
      queryClient.setQueryData<MessagesPage>(key, (page) => removeMessage(page, input.pendingId));
      setText((current) => current || input.text); // give the text back to fix and resend
      // Give the files back too: an upload not bound to a message can be sent again.
      setUploads((current) =>
        current.length
          ? current
          : input.attachments.map((done) => ({ key: done.id, file: new File([], done.filename), progress: 1, done, abort: new AbortController() })),
      );
      if (error instanceof ApiError && error.code === "whatsapp.window_closed") setRefusedWindow(true);
    },
  });

  function submit() {
    const body = text.trim();
    if (uploading || (!body && (note || ready.length === 0))) return;
    send.mutate({
      text: body,
      note,
      replyTo: note ? null : (replyTo?.id ?? null),
      pendingId: `${PENDING_PREFIX}${crypto.randomUUID()}`,
      attachments: note ? [] : ready,
    });
    setText("");
    if (!note) setUploads([]);
    clearDraft(conversationId);
    typing.stopped();
    onReplyDone();
  }

  function change(value: string) {
    setText(value);
    if (slashQuery(value) === null) setCannedDismissed(false); // the next `/` opens it again
    if (value.trim()) typing.typed();
    else typing.stopped();
  }

  function insert(snippet: string, replaceAll = false) {
    const area = input.current?.resizableTextArea?.textArea;
    const next = replaceAll
      ? { text: snippet, caret: snippet.length }
      : insertAt(text, area?.selectionStart ?? text.length, area?.selectionEnd ?? text.length, snippet);
    change(next.text);
    // After React has put the new value in, restore focus and the caret.
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(next.caret, next.caret);
    });
  }

  function chooseCanned(index: number) {
    const item = canned.items[index];
    if (!item) return;
    const fromSlash = cannedSearch === null;
    setCannedSearch(null);
    // `/word` typed in the composer is replaced; from the button, the body goes in at the caret.
    insert(item.body, fromSlash);
  }

  function closeCanned() {
    if (cannedSearch !== null) setCannedSearch(null);
    else setCannedDismissed(true);
    input.current?.focus();
  }

  /** Arrows, Enter and Esc drive the picker while it is open; returns whether the key was used. */
  function cannedKey(event: KeyboardEvent): boolean {
    if (!cannedOpen || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return false;
    const action = pickerKey(event.key, cannedActive, canned.items.length);
    if (action.kind === "none") return false;
    event.preventDefault();
    if (action.kind === "move") setCannedActive(action.index);
    else if (action.kind === "choose") chooseCanned(action.index);
    else closeCanned();
    return true;
  }

  function startUploads(files: FileList | null) {
    if (!files?.length) return;
    const chosen = oneFile ? [files[0]] : [...files];
    const started: Upload[] = chosen.map((file) => ({ key: crypto.randomUUID(), file, progress: 0, abort: new AbortController() }));
    setUploads((current) => {
      current.forEach((u) => oneFile && u.abort.abort()); // one file per message: the new one replaces it
      return oneFile ? started : [...current, ...started];
    });
    const patch = (key: string, change: Partial<Upload>) =>
      setUploads((current) => current.map((u) => (u.key === key ? { ...u, ...change } : u)));
    for (const upload of started) {
      uploadAttachment(workspaceId, upload.file, (progress) => patch(upload.key, { progress }), upload.abort.signal).then(
        (done) => patch(upload.key, { done, progress: 1 }),
        (error: unknown) => {
          if (!upload.abort.signal.aborted) patch(upload.key, { error });
        },
      );
    }
  }

  function removeUpload(upload: Upload) {
    upload.abort.abort();
    setUploads((current) => current.filter((u) => u.key !== upload.key));
  }

  const sendLabel = note ? t("composer.addNote") : t("composer.send");
  const canSend = !uploading && (text.trim() !== "" || (!note && ready.length > 0));

  return (
    <div style={{ borderTop: `1px solid ${token.colorBorderSecondary}`, padding: 12, background: token.colorBgContainer }}>
      {send.isError && (
        <Alert
          type="error"
          showIcon
          closable
          onClose={() => send.reset()}
          style={{ marginBottom: 8 }}
          message={sendErrorText(t, send.error)}
          data-testid="send-error"
        />
      )}
      {templatesOnly ? (
        <>
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 8 }}
            data-testid="window-closed"
            message={
              windowClosedAt
                ? t("composer2.windowClosed", {
                    time: windowClosedAt.toLocaleString(i18n.language, { dateStyle: "medium", timeStyle: "short" }),
                  })
                : t("composer2.windowClosedNow")
            }
          />
          <TemplatePicker workspaceId={workspaceId} conversationId={conversationId} channelId={channelId} />
        </>
      ) : (
        <>
          {replyTo && !note && (
            <div style={{ display: "flex", alignItems: "center", gap: 8, marginBottom: 8 }}>
              <Typography.Text type="secondary" ellipsis style={{ flex: 1 }}>
                {t("quoted")}: {replyTo.text ?? t("noText", { type: replyTo.type })}
              </Typography.Text>
              <Button size="small" type="text" aria-label={t("cancelReply")} icon={<CloseOutlined />} onClick={onReplyDone} />
            </div>
          )}
          {!note && uploads.length > 0 && (
            <ul aria-label={t("composer2.attachments")} style={{ listStyle: "none", margin: "0 0 8px", padding: 0, display: "flex", flexDirection: "column", gap: 4 }}>
              {uploads.map((u) => (
                <li key={u.key} style={{ display: "flex", alignItems: "center", gap: 8, minWidth: 0 }}>
                  <PaperClipOutlined />
                  <Typography.Text ellipsis style={{ flex: 1, minWidth: 0 }}>
                    {u.file.name || u.done?.filename} · {formatSize(u.done?.size ?? u.file.size)}
                  </Typography.Text>
                  {u.error ? (
                    <Typography.Text type="danger" style={{ fontSize: 12 }}>
                      {sendErrorText(t, u.error)}
                    </Typography.Text>
                  ) : (
                    !u.done && (
                      <Progress
                        percent={Math.round(u.progress * 100)}
                        size="small"
                        style={{ width: 96, margin: 0 }}
                        aria-label={t("composer2.uploading", { name: u.file.name })}
                      />
                    )
                  )}
                  <Button
                    size="small"
                    type="text"
                    icon={<CloseOutlined />}
                    aria-label={t("composer2.removeAttachment", { name: u.file.name || u.done?.filename })}
                    onClick={() => removeUpload(u)}
                  />
                </li>
              ))}
            </ul>
          )}
          <div style={{ position: "relative" }}>
            {cannedOpen && (
              <CannedPicker
                items={canned.items}
                loading={canned.isPending}
                failed={canned.isError}
                active={cannedActive}
                onActive={setCannedActive}
                onChoose={(item) => chooseCanned(canned.items.indexOf(item))}
                search={
                  cannedSearch === null
                    ? undefined
                    : { value: cannedSearch, onChange: setCannedSearch, onKeyDown: (e) => void cannedKey(e) }
                }
              />
            )}
            <Input.TextArea
              ref={input}
              value={text}
              onChange={(e) => change(e.target.value)}
              onKeyDown={(e) => {
                if (cannedKey(e)) return;
                if (isSendKey(e)) {
                  e.preventDefault();
                  submit();
                }
              }}
              onBlur={() => setCannedDismissed(true)}
              onFocus={() => setCannedDismissed(false)}
              autoSize={{ minRows: 2, maxRows: 8 }}
              placeholder={note ? t("composer.notePlaceholder") : t("composer.placeholder")}
              style={note ? { background: token.colorWarningBg } : undefined}
              aria-label={note ? t("composer2.noteInput") : t("composer2.messageInput")}
              role={cannedOpen && cannedSearch === null ? "combobox" : undefined}
              aria-expanded={cannedOpen && cannedSearch === null ? true : undefined}
              aria-controls={cannedOpen && cannedSearch === null ? "canned-options" : undefined}
              aria-activedescendant={
                cannedOpen && cannedSearch === null && canned.items[cannedActive] ? `canned-${canned.items[cannedActive].id}` : undefined
              }
              data-testid="composer-input"
            />
          </div>
        </>
      )}
      <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center", gap: 8, marginTop: 8, flexWrap: "wrap" }}>
        <Space size={4} wrap>
          {!templatesOnly && (
            <>
              {!note && (
                <Tooltip title={oneFile ? t("composer2.attachOne") : t("composer2.attach")}>
                  <Button
                    type="text"
                    icon={<PaperClipOutlined />}
                    aria-label={t("composer2.attach")}
                    onClick={() => fileInput.current?.click()}
                  />
                </Tooltip>
              )}
              <input
                ref={fileInput}
                type="file"
                hidden
                multiple={!oneFile}
                onChange={(e) => {
                  startUploads(e.target.files);
                  e.target.value = ""; // choosing the same file again still fires
                }}
              />
              <Popover
                open={emojiOpen}
                onOpenChange={setEmojiOpen}
                trigger="click"
                placement="topLeft"
                content={
                  <div role="group" aria-label={t("composer2.emoji")} style={{ display: "grid", gridTemplateColumns: "repeat(8, 32px)", gap: 2 }}>
                    {EMOJI.map((emoji) => (
                      <Button
                        key={emoji}
                        type="text"
                        size="small"
                        aria-label={emoji}
                        style={{ fontSize: 18, padding: 0, width: 32, height: 32 }}
                        onClick={() => {
                          insert(emoji);
                          setEmojiOpen(false);
                        }}
                      >
                        {emoji}
                      </Button>
                    ))}
                  </div>
                }
              >
                <Button type="text" icon={<SmileOutlined />} aria-label={t("composer2.emoji")} />
              </Popover>
              <Tooltip title={t("composer2.cannedButton")}>
                <Button
                  type="text"
                  icon={<MessageOutlined />}
                  aria-label={t("composer2.cannedButton")}
                  aria-pressed={cannedSearch !== null}
                  onClick={() => setCannedSearch((current) => (current === null ? "" : null))}
                />
              </Tooltip>
            </>
          )}
          <Switch size="small" checked={note} onChange={setNote} aria-label={t("composer.noteMode")} />
          <Typography.Text type="secondary">{t("composer.noteMode")}</Typography.Text>
        </Space>
        {!templatesOnly && (
          <Button type="primary" icon={<SendOutlined />} onClick={submit} disabled={!canSend} loading={uploading} aria-label={sendLabel}>
            {sendLabel}
          </Button>
        )}
      </div>
    </div>
  );
}
