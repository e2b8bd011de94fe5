import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Form, Input, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";

import { api, unwrap, type Schemas } from "../api/client";
import { errorText } from "../errors";
import { rememberWorkspace, signIn } from "../session";
import { AuthCard } from "./AuthCard";

/** Creates the account and its first workspace, then opens that workspace's inbox. */
export function Signup() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signup = useMutation({
    mutationFn: async (body: Schemas["SignupIn"]) => unwrap(await api.POST("/api/v1/auth/signup", { body })),
    onSuccess(result) {
      queryClient.clear();
      signIn(result);
      rememberWorkspace(result.workspace.id);
      navigate(`/w/${result.workspace.id}/inbox`, { replace: true });
    },
  });

  return (
    <AuthCard title={t("auth.signupTitle")}>
      {signup.isError && <Alert type="error" showIcon message={errorText(t, signup.error)} style={{ marginBottom: 16 }} />}
      <Form layout="vertical" onFinish={(values: Schemas["SignupIn"]) => signup.mutate(values)} requiredMark={false}>
        <Form.Item name="name" label={t("auth.name")} rules={[{ required: true, whitespace: true, message: t("auth.required") }]}>
          <Input autoComplete="name" autoFocus />
        </Form.Item>
        <Form.Item
          name="email"
          label={t("auth.email")}
          rules={[{ required: true, type: "email", message: t("auth.invalidEmail") }]}
        >
          <Input autoComplete="email" />
        </Form.Item>
        <Form.Item
          name="password"
          label={t("auth.password")}
          rules={[{ required: true, min: 8, message: t("auth.passwordTooShort") }]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="workspace_name"
          label={t("auth.workspaceName")}
          rules={[{ required: true, whitespace: true, message: t("auth.required") }]}
        >
          <Input />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={signup.isPending}>
          {t("auth.signup")}
        </Button>
      </Form>
      <Typography.Paragraph style={{ marginTop: 16, marginBottom: 0 }}>
        {t("auth.haveAccount")} <Link to="/login">{t("auth.login")}</Link>
      </Typography.Paragraph>
    </AuthCard>
  );
}
