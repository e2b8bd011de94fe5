import { AppstoreOutlined, FileAddOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Empty, Form, Input, Modal, Row, Space, Spin, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { useTemplates, useWorkflowActions } from "./api";
import { blankGraph } from "./catalog";
import { automationErrorText } from "./errors";
import { schemaDefaults } from "./schema";
import { SchemaForm } from "./SchemaForm";
import type { WorkflowTemplate } from "./types";

/** Create a workflow: blank (named, then opened in the builder) or from a template's gallery. */
export function NewWorkflow({ ws, open, onClose }: { ws: string; open: boolean; onClose(): void }) {
  const { t } = useTranslation(["automation", "translation"]);
  const navigate = useNavigate();
  const { create, install } = useWorkflowActions(ws);
  const templates = useTemplates(ws, open);
  const [chosen, setChosen] = useState<WorkflowTemplate | "blank" | null>(null);
  const [form] = Form.useForm();

  const close = () => {
    setChosen(null);
    create.reset();
    install.reset();
    onClose();
  };

  const submit = async (values: Record<string, unknown>) => {
    try {
      const workflow =
        chosen === "blank"
          ? await create.mutateAsync({ name: String(values.name).trim(), graph: blankGraph() })
          : await install.mutateAsync({ key: (chosen as WorkflowTemplate).key, params: values });
      close();
      navigate(`/w/${ws}/automation/${workflow.id}`);
    } catch {
      // Shown below the form.
    }
  };

  const error = create.error ?? install.error;
  const title = chosen === null ? t("new.title") : chosen === "blank" ? t("new.blank") : chosen.name;

  return (
    <Modal
      open={open}
      onCancel={close}
      title={title}
      width={chosen === null ? 760 : 520}
      destroyOnHidden
      footer={
        chosen === null
          ? null
          : [
              <Button key="back" onClick={() => setChosen(null)}>
                {t("new.back")}
              </Button>,
              <Button key="ok" type="primary" loading={create.isPending || install.isPending} onClick={() => form.submit()}>
                {chosen === "blank" ? t("new.create") : t("new.install")}
              </Button>,
            ]
      }
    >
      {chosen === null ? (
        <Space direction="vertical" style={{ width: "100%" }}>
          <Card hoverable size="small" onClick={() => setChosen("blank")}>
            <Button type="link" icon={<FileAddOutlined />} onClick={() => setChosen("blank")} style={{ padding: 0 }}>
              {t("new.blank")}
            </Button>
            <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
              {t("new.blankHelp")}
            </Typography.Paragraph>
          </Card>
          <Typography.Title level={5}>
            <AppstoreOutlined /> {t("new.templates")}
          </Typography.Title>
          {templates.isPending && <Spin />}
          {templates.isError && <Alert type="error" showIcon message={automationErrorText(t, templates.error)} />}
          {templates.data?.length === 0 && <Empty />}
          <Row gutter={[12, 12]}>
            {(templates.data ?? []).map((template) => (
              <Col key={template.key} xs={24} sm={12}>
                <Card hoverable size="small" style={{ height: "100%" }} onClick={() => setChosen(template)}>
                  <Button type="link" onClick={() => setChosen(template)} style={{ padding: 0, whiteSpace: "normal", textAlign: "start", height: "auto" }}>
                    {t(`templateNames.${template.key}`, { defaultValue: template.name })}
                  </Button>
                  <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
                    {t(`templateDescriptions.${template.key}`, { defaultValue: template.description })}
                  </Typography.Paragraph>
                </Card>
              </Col>
            ))}
          </Row>
        </Space>
      ) : (
        <Form
          form={form}
          layout="vertical"
          onFinish={(values) => void submit(values as Record<string, unknown>)}
          initialValues={chosen === "blank" ? { name: "" } : schemaDefaults(chosen.params_schema)}
        >
          {chosen === "blank" ? (
            <Form.Item name="name" label={t("new.name")} rules={[{ required: true, whitespace: true, message: t("templates.required") }]}>
              <Input autoFocus maxLength={200} />
            </Form.Item>
          ) : (
            <>
              <Typography.Paragraph type="secondary">{t("new.installHelp")}</Typography.Paragraph>
              <SchemaForm schema={chosen.params_schema} ws={ws} />
            </>
          )}
          {error && <Alert type="error" showIcon message={automationErrorText(t, error)} />}
        </Form>
      )}
    </Modal>
  );
}
