import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Descriptions, Form, Input, Result, Skeleton, Typography } from "antd";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate } from "react-router";

import { ApiError, api, unwrap, type Schemas } from "../api/client";
import { errorText } from "../errors";
import { invitationToken } from "../features/settings/invitationLink";
import { rememberWorkspace, signIn, useMe, useSignedIn } from "../session";
import { AuthCard } from "./AuthCard";

/** Invitation problems have sentences of their own; the rest are the app's. */
function inviteErrorText(t: TFunction, error: unknown): string {
  if (error instanceof ApiError && error.code) {
    return t(`invite.errors.${error.code}`, { defaultValue: errorText(t, error) });
  }
  return errorText(t, error);
}

/** A signed-in person is told that accepting signs them in as the invited account. */
function SignedInNotice({ email }: { email: string }) {
  const { t } = useTranslation();
  const me = useMe();
  if (!me.data || me.data.user.email.toLowerCase() === email.toLowerCase()) return null;
  return (
    <Alert
      type="info"
      showIcon
      style={{ marginBottom: 16 }}
      message={t("invite.otherAccount", { current: me.data.user.email, email })}
    />
  );
}

interface AcceptValues {
  name?: string;
  password: string;
}

/** /invite?token=…: see which workspace an invitation is for, then join it (signed in or not). */
export function AcceptInvite() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signedIn = useSignedIn();
  const token = invitationToken(location.search, location.hash);

  const preview = useQuery({
    queryKey: ["invitation-preview", token],
    queryFn: async () => unwrap(await api.POST("/api/v1/auth/invitations/preview", { body: { token: token ?? "" } })),
    enabled: token !== null,
    // An unknown, used or expired invitation stays that way.
    retry: false,
    staleTime: Infinity,
  });

  const accept = useMutation({
    mutationFn: async (body: Schemas["InvitationAcceptIn"]) =>
      unwrap(await api.POST("/api/v1/auth/invitations/accept", { body })),
    onSuccess(result) {
      queryClient.clear();
      signIn(result);
      rememberWorkspace(result.workspace.id);
      navigate(`/w/${result.workspace.id}/inbox`, { replace: true });
    },
  });

  if (token === null) {
    return (
      <AuthCard title={t("invite.title")}>
        <Result status="warning" title={t("invite.noToken")} extra={<Link to="/">{t("invite.home")}</Link>} />
      </AuthCard>
    );
  }

  if (preview.isPending) {
    return (
      <AuthCard title={t("invite.title")}>
        <Skeleton active />
      </AuthCard>
    );
  }

  if (preview.isError) {
    return (
      <AuthCard title={t("invite.title")}>
        <Result
          status="warning"
          title={inviteErrorText(t, preview.error)}
          subTitle={t("invite.askAgain")}
          extra={<Link to={signedIn ? "/" : "/login"}>{signedIn ? t("invite.home") : t("auth.login")}</Link>}
        />
      </AuthCard>
    );
  }

  const invitation = preview.data;
  const create = !invitation.account_exists;
  return (
    <AuthCard title={t("invite.joinTitle", { workspace: invitation.workspace_name })}>
      <Descriptions
        column={1}
        size="small"
        style={{ marginBottom: 16 }}
        items={[
          { key: "workspace", label: t("invite.workspace"), children: invitation.workspace_name },
          { key: "role", label: t("invite.role"), children: t(`invite.roles.${invitation.role}`) },
          { key: "email", label: t("auth.email"), children: invitation.email },
        ]}
      />
      {signedIn && <SignedInNotice email={invitation.email} />}
      <Typography.Paragraph type="secondary">
        {create ? t("invite.createHelp") : t("invite.existingHelp", { email: invitation.email })}
      </Typography.Paragraph>
      {accept.isError && (
        <Alert type="error" showIcon message={inviteErrorText(t, accept.error)} style={{ marginBottom: 16 }} />
      )}
      <Form<AcceptValues>
        layout="vertical"
        requiredMark={false}
        onFinish={(values) =>
          accept.mutate({
            token,
            password: values.password,
            ...(create && values.name ? { name: values.name.trim() } : {}),
          })
        }
      >
        {/* Lets password managers file the password under the invited address. */}
        <input type="text" name="username" autoComplete="username" value={invitation.email} hidden readOnly />
        {create && (
          <Form.Item
            name="name"
            label={t("auth.name")}
            rules={[
              { required: true, whitespace: true, message: t("auth.required") },
              { max: 200, message: t("invite.tooLong") },
            ]}
          >
            <Input autoComplete="name" autoFocus />
          </Form.Item>
        )}
        <Form.Item
          name="password"
          label={create ? t("invite.newPassword") : t("auth.password")}
          rules={
            create
              ? [
                  { required: true, min: 8, message: t("auth.passwordTooShort") },
                  { max: 512, message: t("invite.tooLong") },
                ]
              : [{ required: true, message: t("auth.required") }]
          }
        >
          <Input.Password autoComplete={create ? "new-password" : "current-password"} autoFocus={!create} />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={accept.isPending}>
          {create ? t("invite.createAndJoin") : t("invite.join")}
        </Button>
      </Form>
    </AuthCard>
  );
}
