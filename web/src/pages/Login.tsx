import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Form, Input, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";

import { api, unwrap, type Schemas } from "../api/client";
import { errorText } from "../errors";
import { signIn } from "../session";
import { AuthCard } from "./AuthCard";

export function Login() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const login = useMutation({
    mutationFn: async (body: Schemas["LoginIn"]) => unwrap(await api.POST("/api/v1/auth/login", { body })),
    onSuccess(pair) {
      signIn(pair);
      navigate("/", { replace: true });
    },
  });

  return (
    <AuthCard title={t("auth.loginTitle")}>
      {login.isError && <Alert type="error" showIcon message={errorText(t, login.error)} style={{ marginBottom: 16 }} />}
      <Form layout="vertical" onFinish={(values: Schemas["LoginIn"]) => login.mutate(values)} requiredMark={false}>
        <Form.Item
          name="email"
          label={t("auth.email")}
          rules={[{ required: true, type: "email", message: t("auth.invalidEmail") }]}
        >
          <Input autoComplete="email" autoFocus />
        </Form.Item>
        <Form.Item name="password" label={t("auth.password")} rules={[{ required: true, message: t("auth.required") }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={login.isPending}>
          {t("auth.login")}
        </Button>
      </Form>
      <Typography.Paragraph style={{ marginTop: 16, marginBottom: 0 }}>
        {t("auth.noAccount")} <Link to="/signup">{t("auth.signup")}</Link>
      </Typography.Paragraph>
    </AuthCard>
  );
}
