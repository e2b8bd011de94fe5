import { MoonOutlined, SunOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App as AntApp, Button, Card, Form, Input, Segmented, Space, Spin, Switch, Typography } from "antd";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";

import { api, unwrap, type Schemas } from "../../api/client";
import type { Language } from "../../i18n";
import { usePrefs } from "../../prefs";
import { useMe } from "../../session";
import { settingsErrorText } from "./errors";
import { passwordBody, type PasswordValues } from "./profile";

// Each language is named in itself, as in the header.
const LANGUAGE_NAMES: Record<Language, string> = { en: "English", "zh-CN": "中文" };

function useUpdateMe() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["MeUpdateIn"]) => unwrap(await api.PATCH("/api/v1/me", { body })),
    onSuccess: (user) =>
      queryClient.setQueryData<Schemas["MeOut"]>(["me"], (me) => (me ? { ...me, user } : me)),
  });
}

function NameForm({ user }: { user: Schemas["UserOut"] }) {
  const { t } = useTranslation(["settings", "translation"]);
  const { message } = AntApp.useApp();
  const update = useUpdateMe();
  const [form] = Form.useForm<{ name: string }>();
  useEffect(() => form.setFieldsValue({ name: user.name }), [form, user.name]);

  return (
    <Form
      form={form}
      layout="vertical"
      requiredMark={false}
      initialValues={{ name: user.name }}
      onFinish={({ name }) =>
        update.mutate({ name: name.trim() }, { onSuccess: () => void message.success(t("profile.nameSaved")) })
      }
    >
      {update.isError && (
        <Alert type="error" showIcon message={settingsErrorText(t, update.error)} style={{ marginBottom: 16 }} />
      )}
      <Form.Item label={t("profile.email")}>
        <Typography.Text>{user.email}</Typography.Text>
      </Form.Item>
      <Form.Item
        name="name"
        label={t("profile.name")}
        rules={[
          { required: true, whitespace: true, message: t("translation:auth.required") },
          { max: 200, message: t("profile.tooLong") },
        ]}
      >
        <Input autoComplete="name" style={{ maxWidth: 360 }} />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={update.isPending}>
        {t("profile.save")}
      </Button>
    </Form>
  );
}

function PasswordForm({ email }: { email: string }) {
  const { t } = useTranslation(["settings", "translation"]);
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<PasswordValues>();
  const change = useMutation({
    mutationFn: async (values: PasswordValues) =>
      unwrap(await api.POST("/api/v1/me/password", { body: passwordBody(values) })),
    onSuccess: () => {
      form.resetFields();
      void message.success(t("profile.passwordChanged"));
    },
  });

  return (
    <Form form={form} layout="vertical" requiredMark={false} onFinish={(values) => change.mutate(values)} style={{ maxWidth: 360 }}>
      {change.isError && (
        <Alert type="error" showIcon message={settingsErrorText(t, change.error)} style={{ marginBottom: 16 }} />
      )}
      {/* The email lets password managers file the new password under the right account. */}
      <input type="text" name="username" autoComplete="username" value={email} hidden readOnly />
      <Form.Item
        name="current"
        label={t("profile.currentPassword")}
        rules={[{ required: true, message: t("translation:auth.required") }]}
      >
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <Form.Item
        name="next"
        label={t("profile.newPassword")}
        rules={[
          { required: true, message: t("translation:auth.required") },
          { min: 8, message: t("translation:auth.passwordTooShort") },
          { max: 512, message: t("profile.tooLong") },
        ]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item
        name="confirm"
        label={t("profile.confirmPassword")}
        dependencies={["next"]}
        rules={[
          { required: true, message: t("translation:auth.required") },
          ({ getFieldValue }) => ({
            validator: async (_, value: string) => {
              if (value && value !== getFieldValue("next")) throw new Error(t("profile.passwordMismatch"));
            },
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Typography.Paragraph type="secondary">{t("profile.passwordHelp")}</Typography.Paragraph>
      <Button type="primary" htmlType="submit" loading={change.isPending}>
        {t("profile.changePassword")}
      </Button>
    </Form>
  );
}

function Appearance() {
  const { t } = useTranslation("settings");
  const { dark, setDark, language, setLanguage } = usePrefs();
  const update = useUpdateMe();
  return (
    <Space direction="vertical" size="middle">
      <Space wrap>
        <Typography.Text id="profile-language">{t("profile.language")}</Typography.Text>
        <Segmented<Language>
          aria-labelledby="profile-language"
          value={language}
          onChange={(value) => {
            setLanguage(value);
            // Also kept on the account, so it follows the user to other devices and emails. The
            // screen has already switched, so a failure here is not worth interrupting for.
            update.mutate({ locale: value });
          }}
          options={(Object.keys(LANGUAGE_NAMES) as Language[]).map((value) => ({ value, label: LANGUAGE_NAMES[value] }))}
        />
      </Space>
      <Space wrap>
        <Typography.Text id="profile-dark">{t("profile.darkMode")}</Typography.Text>
        <Switch
          aria-labelledby="profile-dark"
          checked={dark}
          onChange={setDark}
          checkedChildren={<MoonOutlined />}
          unCheckedChildren={<SunOutlined />}
        />
      </Space>
    </Space>
  );
}

/** Settings → Profile: the signed-in person's name, password, language and colour scheme. */
export function ProfilePanel() {
  const { t } = useTranslation(["settings", "translation"]);
  const me = useMe();
  return (
    <Space direction="vertical" size="large" style={{ width: "100%" }}>
      <Card title={t("profile.title")}>
        {me.isPending && <Spin />}
        {me.isError && <Alert type="error" showIcon message={settingsErrorText(t, me.error)} />}
        {me.data && <NameForm user={me.data.user} />}
      </Card>
      <Card title={t("profile.passwordTitle")}>
        <PasswordForm email={me.data?.user.email ?? ""} />
      </Card>
      <Card title={t("profile.appearanceTitle")}>
        <Appearance />
      </Card>
    </Space>
  );
}
