import { Result, Spin } from "antd";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Outlet, Route, Routes } from "react-router";

import { errorText } from "./errors";
import { AppShell } from "./layout/AppShell";
import { Inbox } from "./features/inbox/Inbox";
import { AcceptInvite } from "./pages/AcceptInvite";
import { Login } from "./pages/Login";
import { Signup } from "./pages/Signup";
import { pickWorkspace, useMe, useSignedIn } from "./session";

// Settings is code-split: the inbox route does not load it.
const SettingsPage = lazy(() => import("./features/settings/SettingsPage"));
const ContactsPage = lazy(() => import("./features/contacts/ContactsPage"));
const AutomationPage = lazy(() => import("./features/automation/AutomationPage"));

function RequireSignIn() {
  return useSignedIn() ? <Outlet /> : <Navigate to="/login" replace />;
}

function RequireSignedOut() {
  return useSignedIn() ? <Navigate to="/" replace /> : <Outlet />;
}

/** `/`: the last workspace used, or the first one. */
function Home() {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isPending) return <Spin fullscreen />;
  if (me.isError) return <Result status="error" title={errorText(t, me.error)} />;
  const id = pickWorkspace(me.data.workspaces);
  return id ? <Navigate to={`/w/${id}/inbox`} replace /> : <Result status="info" title={t("placeholder.soon")} />;
}

export function App() {
  return (
    <Routes>
      <Route element={<RequireSignedOut />}>
        <Route path="/login" element={<Login />} />
        <Route path="/signup" element={<Signup />} />
      </Route>
      {/* Invitation links (Members → Invite, emails) open /accept-invitation#token=…. */}
      <Route path="/accept-invitation" element={<AcceptInvite />} />
      <Route path="/invite" element={<AcceptInvite />} />
      <Route element={<RequireSignIn />}>
        <Route path="/" element={<Home />} />
        <Route path="/w/:workspaceId" element={<AppShell />}>
          <Route index element={<Navigate to="inbox" replace />} />
          <Route path="inbox/:conversationId?" element={<Inbox />} />
          <Route
            path="contacts"
            element={
              <Suspense fallback={<Spin />}>
                <ContactsPage />
              </Suspense>
            }
          />
          <Route
            path="automation/*"
            element={
              <Suspense fallback={<Spin />}>
                <AutomationPage />
              </Suspense>
            }
          />
          <Route
            path="settings/*"
            element={
              <Suspense fallback={<Spin />}>
                <SettingsPage />
              </Suspense>
            }
          />
        </Route>
      </Route>
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}
