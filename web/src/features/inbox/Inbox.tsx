import { ArrowLeftOutlined, IdcardOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Alert, App as AntApp, Button, Drawer, Empty, Spin, Tooltip, theme } from "antd";
import { useCallback, useState, type CSSProperties } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useNavigate, useParams } from "react-router";

import { api, unwrap } from "../../api/client";
import { errorText } from "../../errors";
import { useMedia } from "../../useMedia";
import { ChatPane } from "./ChatPane";
import { ContactPane } from "./ContactPane";
import { useInboxList } from "./conversationList";
import { neighbour } from "./conversationListRows";
import { useConversationUpdate } from "./conversationListActions";
import { ConversationList } from "./ConversationList";
import type { ShortcutAction } from "./shortcuts";
import { useShortcuts } from "./useShortcuts";
import { RealtimeContext, useRealtimeConnection, type InboxRealtime } from "./useRealtime";

/**
 * Conversations, the open one's chat and its contact, live. Below 900 px the contact opens in a
 * drawer; at 600 px and less one pane shows at a time.
 */
export function Inbox() {
  const { t } = useTranslation(["inbox", "translation"]);
  const { workspaceId = "", conversationId } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const { token } = theme.useToken();
  const { message } = AntApp.useApp();
  const realtime = useRealtimeConnection(workspaceId, conversationId);
  const narrow = useMedia("(max-width: 900px)");
  const phone = useMedia("(max-width: 600px)");
  const [contactOpen, setContactOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const list = useInboxList(workspaceId, conversationId);
  const listed = list.find(conversationId);
  // A conversation beyond the loaded pages (a link, a search hit) is fetched on its own.
  const single = useQuery({
    queryKey: ["conversation", workspaceId, conversationId],
    enabled: !!conversationId && list.listReady && !listed,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/conversations/{conversation_id}", {
          params: { path: { workspace_id: workspaceId, conversation_id: conversationId ?? "" } },
        }),
      ),
  });
  const selected = listed ?? single.data;
  const update = useConversationUpdate(workspaceId);

  const open = useCallback(
    (id: string | undefined) => id && navigate({ pathname: `/w/${workspaceId}/inbox/${id}`, search: location.search }),
    [navigate, workspaceId, location.search],
  );
  useShortcuts((action: ShortcutAction) => {
    if (action === "next" || action === "previous") open(neighbour(list.ids, conversationId, action === "next" ? 1 : -1));
    else if (action === "help") setHelpOpen((now) => !now);
    else if (action === "resolve" && selected && selected.status !== "resolved") {
      update.mutate(
        { conversationId: selected.id, change: { kind: "patch", body: { status: "resolved" } } },
        {
          onSuccess: () => void message.success(t("list.resolvedToast")),
          onError: (error) => void message.error(errorText(t, error)),
        },
      );
    }
  });

  const pane: CSSProperties = { overflowY: "auto", borderRight: `1px solid ${token.colorBorderSecondary}` };
  const showList = !phone || !conversationId;
  const showChat = !phone || !!conversationId;
  const contact = selected && <ContactPane key={selected.id} workspaceId={workspaceId} conversation={selected} />;

  return (
    <RealtimeContext.Provider value={realtime}>
      <div style={{ display: "flex", flexDirection: "column", height: "100%" }}>
        <ConnectionBanner realtime={realtime} />
        <div style={{ display: "flex", flex: 1, minHeight: 0 }}>
          {showList && (
            <section
              aria-label={t("conversations")}
              style={{ ...pane, overflowY: "hidden", width: phone ? "100%" : narrow ? 300 : 340, flexShrink: 0 }}
            >
              <ConversationList
                workspaceId={workspaceId}
                selectedId={conversationId}
                list={list}
                helpOpen={helpOpen}
                onHelpOpenChange={setHelpOpen}
              />
            </section>
          )}
          {showChat && (
            <section
              aria-label={t("list.chat")}
              style={{ ...pane, display: "flex", flexDirection: "column", flex: 1, minWidth: 0, overflowY: "hidden", background: token.colorBgLayout }}
            >
              {narrow && conversationId && (
                <div
                  style={{
                    display: "flex",
                    justifyContent: "space-between",
                    padding: "4px 8px",
                    background: token.colorBgContainer,
                    borderBottom: `1px solid ${token.colorBorderSecondary}`,
                  }}
                >
                  {phone ? (
                    <Button
                      type="text"
                      icon={<ArrowLeftOutlined />}
                      onClick={() => navigate({ pathname: `/w/${workspaceId}/inbox`, search: location.search })}
                      data-testid="back-to-list"
                    >
                      {t("list.back")}
                    </Button>
                  ) : (
                    <span />
                  )}
                  <Tooltip title={t("list.contactDetails")}>
                    <Button
                      type="text"
                      icon={<IdcardOutlined />}
                      aria-label={t("list.contactDetails")}
                      aria-expanded={contactOpen}
                      disabled={!selected}
                      onClick={() => setContactOpen(true)}
                      data-testid="contact-toggle"
                    />
                  </Tooltip>
                </div>
              )}
              <div style={{ flex: 1, minHeight: 0 }}>
                {selected ? (
                  <ChatPane key={selected.id} workspaceId={workspaceId} conversation={selected} />
                ) : conversationId && (!list.listReady || single.isPending) ? (
                  <Spin style={{ display: "block", margin: 32 }} />
                ) : conversationId && single.isError ? (
                  <Alert type="error" style={{ margin: 16 }} message={errorText(t, single.error)} />
                ) : (
                  <Empty style={{ marginTop: 96 }} description={t("selectOne")} />
                )}
              </div>
            </section>
          )}
          {!narrow && (
            <aside aria-label={t("details")} style={{ width: 300, flexShrink: 0, overflowY: "auto" }}>
              {contact}
            </aside>
          )}
        </div>
        {narrow && (
          <Drawer
            open={contactOpen && !!selected}
            onClose={() => setContactOpen(false)}
            title={t("details")}
            placement="right"
            width={phone ? "100%" : 360}
            styles={{ body: { padding: 0 } }}
          >
            {contact}
          </Drawer>
        )}
      </div>
    </RealtimeContext.Provider>
  );
}

/** Visible while the live connection is down; the inbox keeps showing what it has. */
function ConnectionBanner({ realtime }: { realtime: InboxRealtime }) {
  const { t } = useTranslation("inbox");
  if (realtime.state === "reconnecting") {
    return (
      <Alert
        type="warning"
        banner
        role="status"
        data-testid="offline-banner"
        message={t("offline")}
        action={
          <Button size="small" onClick={() => realtime.client?.retryNow()}>
            {t("reconnectNow")}
          </Button>
        }
      />
    );
  }
  if (realtime.state === "unauthorized") return <Alert type="error" banner message={t("signedOut")} />;
  return null;
}
