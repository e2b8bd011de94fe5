import { ApartmentOutlined, ContactsOutlined, InboxOutlined, LogoutOutlined, MenuOutlined, SettingOutlined } from "@ant-design/icons";
import { Button, Drawer, Layout, Menu, Result, Select, Space, Spin, Tooltip, Typography, theme } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Outlet, useLocation, useNavigate, useParams } from "react-router";

import { errorText } from "../errors";
import { useMedia } from "../useMedia";
import { rememberWorkspace, useLogout, useMe } from "../session";
import { HeaderControls } from "./HeaderControls";

const SECTIONS = [
  { key: "inbox", icon: <InboxOutlined /> },
  { key: "contacts", icon: <ContactsOutlined /> },
  { key: "automation", icon: <ApartmentOutlined /> },
  { key: "settings", icon: <SettingOutlined /> },
] as const;

/** Whether the viewport is phone-sized: the navigation then hides in a drawer so content gets the width. */
function usePhone(): boolean {
  return useMedia("(max-width: 600px)");
}

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
  const phone = usePhone();
  const [navOpen, setNavOpen] = useState(false);

  useEffect(() => rememberWorkspace(workspaceId), [workspaceId]);

  if (me.isPending) return <Spin fullscreen />;
  if (me.isError) return <Result status="error" title={errorText(t, me.error)} />;
  if (!me.data.workspaces.some((w) => w.id === workspaceId)) return <Navigate to="/" replace />;

  const section = location.pathname.split("/")[3] ?? "inbox";
  const menu = (
    <Menu
      mode="inline"
      selectedKeys={[section]}
      onClick={({ key }) => {
        setNavOpen(false);
        navigate(`/w/${workspaceId}/${key}`);
      }}
      items={SECTIONS.map(({ key, icon }) => ({ key, icon, label: t(`nav.${key}`) }))}
    />
  );

  return (
    <Layout style={{ height: "100vh" }}>
      {phone ? (
        <Drawer
          open={navOpen}
          onClose={() => setNavOpen(false)}
          placement="left"
          width={240}
          title={t("app.name")}
          styles={{ body: { padding: 0 } }}
        >
          {menu}
        </Drawer>
      ) : (
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
          {menu}
        </Layout.Sider>
      )}
      <Layout>
        <Layout.Header
          style={{
            background: token.colorBgContainer,
            borderBottom: `1px solid ${token.colorBorderSecondary}`,
            padding: phone ? "0 8px" : "0 16px",
            display: "flex",
            alignItems: "center",
            justifyContent: "space-between",
            gap: phone ? 8 : 16,
          }}
        >
          {phone && (
            <Button
              type="text"
              icon={<MenuOutlined />}
              aria-label={t("inbox:list.openNav")}
              aria-expanded={navOpen}
              onClick={() => setNavOpen(true)}
            />
          )}
          <Select
            aria-label={t("header.workspace")}
            value={workspaceId}
            style={phone ? { flex: 1, minWidth: 0 } : { minWidth: 180 }}
            onChange={(id: string) => navigate(`/w/${id}/${section}`)}
            options={me.data.workspaces.map((w) => ({ value: w.id, label: w.name }))}
          />
          <Space size={phone ? "small" : "middle"}>
            <HeaderControls />
            {!phone && <Typography.Text type="secondary">{me.data.user.name}</Typography.Text>}
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
