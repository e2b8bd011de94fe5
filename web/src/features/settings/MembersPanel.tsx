import { DeleteOutlined, UserAddOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, Button, Card, Form, Input, Popconfirm, Select, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import type { Schemas } from "../../api/client";
import { useMe } from "../../session";
import { relativeTime } from "../../time";
import { ROLES, useInvitations, useMemberActions, useMembers, type Invitation, type Member, type Role } from "./api";
import { settingsErrorText } from "./errors";

function useRoleOptions() {
  const { t } = useTranslation("settings");
  return ROLES.map((role) => ({ value: role, label: t(`members.role.${role}`) }));
}

function InviteForm({ workspaceId }: { workspaceId: string }) {
  const { t } = useTranslation(["settings", "translation"]);
  const { invite } = useMemberActions(workspaceId);
  const roles = useRoleOptions();
  const [form] = Form.useForm<{ email: string; role: Role }>();
  const [sent, setSent] = useState<Schemas["InvitationCreatedOut"] | null>(null);

  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Form
        form={form}
        layout="inline"
        initialValues={{ role: "agent" }}
        onFinish={(values) =>
          invite.mutate(
            { email: values.email.trim(), role: values.role },
            {
              onSuccess: (created) => {
                setSent(created);
                form.resetFields(["email"]);
              },
            },
          )
        }
      >
        <Form.Item
          name="email"
          rules={[{ required: true, type: "email", message: t("translation:auth.invalidEmail") }]}
          style={{ minWidth: 240 }}
        >
          <Input type="email" placeholder={t("members.inviteEmail")} aria-label={t("members.inviteEmail")} />
        </Form.Item>
        <Form.Item name="role">
          <Select options={roles} aria-label={t("members.roleLabel")} style={{ width: 130 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" icon={<UserAddOutlined />} loading={invite.isPending}>
          {t("members.invite")}
        </Button>
      </Form>
      {invite.isError && <Alert type="error" showIcon message={settingsErrorText(t, invite.error)} />}
      {sent && (
        <Alert
          type="success"
          showIcon
          closable
          onClose={() => setSent(null)}
          message={t("members.invited", { email: sent.email })}
          description={
            <>
              {t("members.inviteLink")}{" "}
              <Typography.Text copyable code>
                {sent.accept_url}
              </Typography.Text>
            </>
          }
        />
      )}
    </Space>
  );
}

function Invitations({ workspaceId }: { workspaceId: string }) {
  const { t, i18n } = useTranslation(["settings", "translation"]);
  const { message } = AntApp.useApp();
  const invitations = useInvitations(workspaceId);
  const { revoke } = useMemberActions(workspaceId);
  const pending = (invitations.data ?? []).filter((i) => !i.accepted_at && !i.revoked_at);
  if (invitations.isError) return <Alert type="error" showIcon message={settingsErrorText(t, invitations.error)} />;
  if (pending.length === 0) return null;
  return (
    <Table<Invitation>
      size="small"
      rowKey="id"
      pagination={false}
      title={() => t("members.pending")}
      dataSource={pending}
      columns={[
        { title: t("members.email"), dataIndex: "email" },
        { title: t("members.roleLabel"), dataIndex: "role", render: (role: Role) => t(`members.role.${role}`) },
        {
          title: t("members.expires"),
          dataIndex: "expires_at",
          render: (at: string) => relativeTime(at, i18n.language),
        },
        {
          key: "revoke",
          align: "right",
          render: (_, invitation) => (
            <Button
              size="small"
              onClick={() => revoke.mutate(invitation.id, { onError: (e) => void message.error(settingsErrorText(t, e)) })}
            >
              {t("members.revoke")}
            </Button>
          ),
        },
      ]}
    />
  );
}

/** Settings → Members: who is in the workspace, their roles, and invitations. */
export function MembersPanel({ workspaceId }: { workspaceId: string }) {
  const { t, i18n } = useTranslation(["settings", "translation"]);
  const { message } = AntApp.useApp();
  const members = useMembers(workspaceId);
  const me = useMe();
  const { changeRole, remove } = useMemberActions(workspaceId);
  const roles = useRoleOptions();
  const fail = (error: unknown) => void message.error(settingsErrorText(t, error));

  return (
    <Card title={t("members.title")}>
      <Space direction="vertical" size="large" style={{ width: "100%" }}>
        <InviteForm workspaceId={workspaceId} />
        {members.isError && <Alert type="error" showIcon message={settingsErrorText(t, members.error)} />}
        <Table<Member>
          rowKey="user_id"
          loading={members.isPending}
          dataSource={members.data ?? []}
          pagination={false}
          scroll={{ x: true }}
          columns={[
            {
              title: t("members.name"),
              dataIndex: "name",
              render: (name: string, member) => (
                <Space>
                  {name}
                  {member.user_id === me.data?.user.id && <Tag>{t("members.you")}</Tag>}
                </Space>
              ),
            },
            { title: t("members.email"), dataIndex: "email" },
            {
              title: t("members.roleLabel"),
              dataIndex: "role",
              render: (role: Role, member) => (
                <Select
                  value={role}
                  options={roles}
                  style={{ width: 130 }}
                  aria-label={t("members.roleOf", { name: member.name })}
                  onChange={(next: Role) => changeRole.mutate({ userId: member.user_id, role: next }, { onError: fail })}
                />
              ),
            },
            {
              title: t("members.joined"),
              dataIndex: "joined_at",
              render: (at: string) => relativeTime(at, i18n.language),
            },
            {
              key: "remove",
              align: "right",
              render: (_, member) => (
                <Popconfirm
                  title={t("members.removeTitle", { name: member.name })}
                  okText={t("members.remove")}
                  okButtonProps={{ danger: true }}
                  cancelText={t("common.cancel")}
                  onConfirm={() => remove.mutateAsync(member.user_id).catch(fail)}
                >
                  <Button danger size="small" icon={<DeleteOutlined />} aria-label={t("members.removeTitle", { name: member.name })} />
                </Popconfirm>
              ),
            },
          ]}
        />
        <Invitations workspaceId={workspaceId} />
      </Space>
    </Card>
  );
}
