import { Empty, Input, Spin, Typography, theme } from "antd";
import { useEffect, useMemo, useRef } from "react";
import { useTranslation } from "react-i18next";

// The one small settings module shared with the inbox (a query hook, no UI): keeps one cache
// for the list that Settings edits.
import { useCannedResponses, type CannedResponse } from "../settings/cannedResponses";
import { filterCanned } from "./composer";

/** The canned responses for a query, best matches first; fetched only while the picker is open. */
export function useCannedChoices(workspaceId: string, query: string, open: boolean) {
  const canned = useCannedResponses(workspaceId, query, { enabled: open });
  const items = useMemo(() => filterCanned(canned.data ?? [], query), [canned.data, query]);
  return { items, isPending: canned.isPending && open, isError: canned.isError };
}

/**
 * The popup above the composer. Focus stays in the message input (or the search box when
 * opened from its button); the composer passes the arrows, Enter and Esc on.
 */
export function CannedPicker({
  items,
  loading,
  failed,
  active,
  onActive,
  onChoose,
  search,
}: {
  items: CannedResponse[];
  loading: boolean;
  failed: boolean;
  active: number;
  onActive: (index: number) => void;
  onChoose: (item: CannedResponse) => void;
  /** Present when opened from the button: a search box of its own. */
  search?: { value: string; onChange: (value: string) => void; onKeyDown: (event: React.KeyboardEvent) => void };
}) {
  const { t } = useTranslation("inbox");
  const { token } = theme.useToken();
  const list = useRef<HTMLUListElement>(null);

  useEffect(() => {
    list.current?.querySelector(`[data-index="${active}"]`)?.scrollIntoView({ block: "nearest" });
  }, [active]);

  return (
    <div
      data-testid="canned-picker"
      style={{
        position: "absolute",
        insetInline: 0,
        bottom: "100%",
        marginBottom: 4,
        zIndex: 10,
        background: token.colorBgElevated,
        border: `1px solid ${token.colorBorderSecondary}`,
        borderRadius: token.borderRadiusLG,
        boxShadow: token.boxShadowSecondary,
        padding: 4,
      }}
    >
      <Typography.Text type="secondary" style={{ fontSize: 12, display: "block", padding: "2px 8px" }}>
        {t("composer2.cannedHint")}
      </Typography.Text>
      {search && (
        <Input
          autoFocus
          size="small"
          value={search.value}
          onChange={(e) => search.onChange(e.target.value)}
          onKeyDown={search.onKeyDown}
          placeholder={t("composer2.cannedSearch")}
          aria-label={t("composer2.cannedSearch")}
          role="combobox"
          aria-expanded
          aria-controls="canned-options"
          aria-activedescendant={items[active] ? `canned-${items[active].id}` : undefined}
          style={{ margin: "4px 0" }}
        />
      )}
      {loading ? (
        <Spin size="small" style={{ display: "block", margin: 12 }} />
      ) : items.length === 0 ? (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          style={{ margin: 8 }}
          description={failed ? t("composer2.cannedFailed") : t("composer2.cannedEmpty")}
        />
      ) : (
        <ul
          ref={list}
          id="canned-options"
          role="listbox"
          aria-label={t("composer2.canned")}
          style={{ listStyle: "none", margin: 0, padding: 0, maxHeight: 240, overflowY: "auto" }}
        >
          {items.map((item, index) => (
            <li
              key={item.id}
              id={`canned-${item.id}`}
              role="option"
              aria-selected={index === active}
              data-index={index}
              // mousedown, not click: the input keeps focus, so the choice lands where the caret is
              onMouseDown={(e) => {
                e.preventDefault();
                onChoose(item);
              }}
              onMouseEnter={() => onActive(index)}
              style={{
                cursor: "pointer",
                padding: "4px 8px",
                borderRadius: token.borderRadiusSM,
                background: index === active ? token.controlItemBgActive : undefined,
              }}
            >
              <Typography.Text strong>/{item.shortcut}</Typography.Text>{" "}
              <Typography.Text>{item.title}</Typography.Text>
              <Typography.Text type="secondary" ellipsis style={{ display: "block", fontSize: 12 }}>
                {item.body}
              </Typography.Text>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
