import { DeleteOutlined, TagsOutlined } from "@ant-design/icons";
import { App as AntApp, Button, Form, Modal, Select, Space, Typography, type RefSelectProps } from "antd";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { useBulkAction } from "./api";
import { contactsErrorText } from "./errors";

/** The selection's bar: add or remove tags (asked in a small dialog) and delete (confirmed). */
export function BulkActions({
  workspaceId,
  selected,
  tagChoices,
  onClear,
}: {
  workspaceId: string;
  selected: string[];
  tagChoices: string[];
  onClear: () => void;
}) {
  const { t } = useTranslation(["contacts", "translation"]);
  const { message, modal } = AntApp.useApp();
  const bulk = useBulkAction(workspaceId);
  const [tagging, setTagging] = useState<"tag" | "untag" | null>(null);
  const [tags, setTags] = useState<string[]>([]);
  const tagSelect = useRef<RefSelectProps>(null);
  const count = selected.length;

  const applyTags = () => {
    if (!tagging || !tags.length) return;
    bulk.mutate(
      { action: tagging, ids: selected, tags },
      {
        onSuccess: (affected) => {
          void message.success(t(`bulk.done.${tagging}`, { count: affected }));
          setTagging(null);
          setTags([]);
        },
        onError: (error) => void message.error(contactsErrorText(t, error)),
      },
    );
  };

  const confirmDelete = () =>
    modal.confirm({
      title: t("bulk.deleteTitle", { count }),
      content: t("bulk.deleteBody"),
      okText: t("bulk.delete"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: () =>
        bulk
          .mutateAsync({ action: "delete", ids: selected })
          .then((affected) => {
            void message.success(t("bulk.done.delete", { count: affected }));
            onClear();
          })
          .catch((error: unknown) => void message.error(contactsErrorText(t, error))),
    });

  return (
    <div role="region" aria-label={t("bulk.region")}>
      <Space wrap>
        <Typography.Text strong>{t("bulk.selected", { count })}</Typography.Text>
        <Button icon={<TagsOutlined />} onClick={() => setTagging("tag")}>
          {t("bulk.addTags")}
        </Button>
        <Button icon={<TagsOutlined />} onClick={() => setTagging("untag")}>
          {t("bulk.removeTags")}
        </Button>
        <Button danger icon={<DeleteOutlined />} onClick={confirmDelete}>
          {t("bulk.delete")}
        </Button>
        <Button type="link" onClick={onClear}>
          {t("bulk.clear")}
        </Button>
      </Space>
      <Modal
        open={tagging !== null}
        title={tagging ? t(tagging === "tag" ? "bulk.addTitle" : "bulk.removeTitle", { count }) : ""}
        okText={t("bulk.apply")}
        cancelText={t("common.cancel")}
        okButtonProps={{ disabled: !tags.length, loading: bulk.isPending }}
        onOk={applyTags}
        onCancel={() => {
          setTagging(null);
          setTags([]);
        }}
        destroyOnHidden
        // The dialog takes focus as it opens; the tags field is where typing should go.
        afterOpenChange={(opened) => opened && tagSelect.current?.focus()}
      >
        <Form layout="vertical" onFinish={applyTags}>
          <Form.Item label={t("bulk.tagsLabel")} htmlFor="contacts-bulk-tags">
            <Select
              ref={tagSelect}
              id="contacts-bulk-tags"
              mode="tags"
              value={tags}
              onChange={(next: string[]) => setTags(next.map((tag) => tag.trim()).filter(Boolean))}
              options={tagChoices.map((tag) => ({ value: tag, label: tag }))}
              placeholder={t("bulk.tagsPlaceholder")}
              tokenSeparators={[",", ";"]}
              style={{ width: "100%" }}
            />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
