import i18n from "i18next";
import { ApiOutlined, KeyOutlined, MessageOutlined, TeamOutlined, UserOutlined } from "@ant-design/icons";
import { Grid, Menu } from "antd";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes, useLocation, useNavigate, useParams } from "react-router";

import { ApiKeysPanel } from "./ApiKeysPanel";
import { CannedResponsesPanel } from "./CannedResponsesPanel";
import { ChannelsPanel } from "./ChannelsPanel";
import { MembersPanel } from "./MembersPanel";
import { ProfilePanel } from "./ProfilePanel";
import en from "./i18n/en.json";
import zhCN from "./i18n/zh-CN.json";

// The texts arrive with this lazily loaded page, so the app's entry need not carry them.
i18n.addResourceBundle("en", "settings", en, true, true);
i18n.addResourceBundle("zh-CN", "settings", zhCN, true, true);

const SECTIONS = [
  { key: "channels", icon: <ApiOutlined /> },
  { key: "members", icon: <TeamOutlined /> },
  { key: "api-keys", icon: <KeyOutlined /> },
  { key: "canned-responses", icon: <MessageOutlined /> },
  { key: "profile", icon: <UserOutlined /> },
] as const;

/** /w/:workspaceId/settings/*: a side menu (a top one on narrow screens) and the chosen section. */
export default function SettingsPage() {
  const { t } = useTranslation("settings");
  const { workspaceId = "" } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const screens = Grid.useBreakpoint();
  const wide = screens.md !== false;
  const section = location.pathname.split("/")[4] ?? "channels";

  const menu = (
    <Menu
      mode={wide ? "inline" : "horizontal"}
      selectedKeys={[section]}
      onClick={({ key }) => navigate(`/w/${workspaceId}/settings/${key}`)}
      items={SECTIONS.map(({ key, icon }) => ({ key, icon, label: t(`sections.${key}`) }))}
      style={wide ? { width: 220, flex: "none", height: "100%" } : undefined}
    />
  );

  return (
    <div style={{ display: "flex", flexDirection: wide ? "row" : "column", height: "100%" }}>
      {menu}
      <div style={{ flex: 1, overflow: "auto", padding: wide ? 24 : 12 }}>
        <Routes>
          <Route index element={<Navigate to="channels" replace />} />
          <Route path="channels" element={<ChannelsPanel workspaceId={workspaceId} />} />
          <Route path="members" element={<MembersPanel workspaceId={workspaceId} />} />
          <Route path="api-keys" element={<ApiKeysPanel workspaceId={workspaceId} />} />
          <Route path="canned-responses" element={<CannedResponsesPanel workspaceId={workspaceId} />} />
          <Route path="profile" element={<ProfilePanel />} />
          <Route path="*" element={<Navigate to="channels" replace />} />
        </Routes>
      </div>
    </div>
  );
}
