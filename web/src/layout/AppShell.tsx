import { ContactsOutlined, InboxOutlined, LogoutOutlined, SettingOutlined } from "@ant-design/icons";
import { Button, Layout, Menu, Result, Select, Space, Spin, Tooltip, Typography, theme } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Outlet, useLocation, useNavigate, useParams } from "react-router";

import { errorText } from "../errors";
import { rememberWorkspace, useLogout, useMe } from "../session";
import { HeaderControls } from "./HeaderControls";

const SECTIONS = [
  { key: "inbox", icon: <InboxOutlined /> },
  { key: "contacts", icon: <ContactsOutlined /> },
  { key: "settings", icon: <SettingOutlined /> },
] as const;

/** Navigation, workspace switcher and header around a workspace's screens (/w/:workspaceId/…). */
export function AppShell() {
  const { t } = useTranslation();
  const { workspaceId = "" } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const logout = useLogout();
  const me = useMe();
  const { token } = theme.useToken();
  const [collapsed, setCollapsed] = useState(() => localStorage.getItem("relaydesk.nav") === "collapsed");

  useEffect(() => rememberWorkspace(workspaceId), [workspaceId]);

  if (me.isPending) return <Spin fullscreen />;
  if (me.isError) return <Result status="error" title={errorText(t, me.error)} />;
  if (!me.data.workspaces.some((w) => w.id === workspaceId)) return <Navigate to="/" replace />;

  const section = location.pathname.split("/")[3] ?? "inbox";

  return (
    <Layout style={{ height: "100vh" }}>
      <Layout.Sider
        collapsible
        collapsed={collapsed}
        onCollapse={(value) => {
          localStorage.setItem("relaydesk.nav", value ? "collapsed" : "open");
          setCollapsed(value);
        }}
        breakpoint="md"
        theme="light"
        style={{ borderRight: `1px solid ${token.colorBorderSecondary}` }}
      >
        <Typography.Title level={5} style={{ margin: 16, whiteSpace: "nowrap", overflow: "hidden" }}>
          {collapsed ? "RD" : t("app.name")}
        </Typography.Title>
        <Menu
          mode="inline"
          selectedKeys={[section]}
          onClick={({ key }) => navigate(`/w/${workspaceId}/${key}`)}
          items={SECTIONS.map(({ key, icon }) => ({ key, icon, label: t(`nav.${key}`) }))}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: token.colorBgContainer,
            borderBottom: `1px solid ${token.colorBorderSecondary}`,
            padding: "0 16px",
            display: "flex",
            alignItems: "center",
            justifyContent: "space-between",
            gap: 16,
          }}
        >
          <Select
            aria-label={t("header.workspace")}
            value={workspaceId}
            style={{ minWidth: 180 }}
            onChange={(id: string) => navigate(`/w/${id}/${section}`)}
            options={me.data.workspaces.map((w) => ({ value: w.id, label: w.name }))}
          />
          <Space size="middle">
            <HeaderControls />
            <Typography.Text type="secondary">{me.data.user.name}</Typography.Text>
            <Tooltip title={t("header.logout")}>
              <Button
                aria-label={t("header.logout")}
                icon={<LogoutOutlined />}
                onClick={() => void logout().then(() => navigate("/login", { replace: true }))}
              />
            </Tooltip>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ overflow: "hidden" }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
